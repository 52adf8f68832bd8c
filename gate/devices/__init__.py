"""Gate devices (thiết bị tại cổng): LPR cameras and kiosks that check vehicles in."""

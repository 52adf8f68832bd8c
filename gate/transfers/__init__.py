"""Transferring a vehicle to another holder (chuyển chủ phương tiện): above fleet and bookings,
since a transfer revokes the grants on the truck and cancels its bookings."""

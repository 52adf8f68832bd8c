"""Notices (thông báo) and the paused flag that gate operators put on the public board."""

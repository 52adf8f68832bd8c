"""What people choose about the messages they get: a driver's (set by their enterprise) and
an enterprise user's own."""

"""The yard queue (hàng chờ trong bãi): who waits, in what order, and calling vehicles to lanes."""

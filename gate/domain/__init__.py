"""Plain-Python core: plates, slots and capacity, bookings, events. No I/O here."""

"""The driver's page: links to it (no account; revocable), what it shows about one truck, and
the positions a driver chooses to share, with the arrival estimate made from them."""

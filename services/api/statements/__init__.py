"""Monthly statements on the API (issue 19): agreements, statements, their transfers."""

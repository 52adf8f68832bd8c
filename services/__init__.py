"""Litestar applications: thin handlers that parse, authorise, call the core and map errors."""

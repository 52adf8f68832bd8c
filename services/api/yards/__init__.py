"""Waiting yards (bến bãi): the yards, their devices, and the trucks in them."""

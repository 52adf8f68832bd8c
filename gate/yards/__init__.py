"""Waiting yards (bến bãi, bãi chờ): yards, their devices, and trucks checking in and out.

Not the control yard at the gate (its queue, lanes and calls are ``gate/yard/``): these yards
are upstream of it, and trucks leave them when a dispatch order (``gate/dispatch/``) says so.
"""

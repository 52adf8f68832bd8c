"""Clearance (thông quan): the agencies' decisions on a vehicle at its lane, and its exit."""

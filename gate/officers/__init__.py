"""Officers (cán bộ) of the agencies at a gate, and the gates they serve."""

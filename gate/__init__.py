"""Digital border-gate (cửa khẩu số) platform: the core, importable without a web framework."""

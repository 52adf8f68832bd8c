"""Recognising bearer tokens (xác thực): who is calling."""

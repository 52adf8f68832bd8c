"""Accounts: the administrator, enterprises, their API keys, users and sessions."""

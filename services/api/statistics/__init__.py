"""The open-data history API of the gates' statistics (public, issue 17)."""

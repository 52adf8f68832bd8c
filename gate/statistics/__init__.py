"""The statistics (issue 17): rollups kept current from the audit chains, rebuilt from the
bookings, and the reads the statistics page, the public page and the history API use."""

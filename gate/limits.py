"""Process limits a server (or a load generator) with many connections needs."""

from __future__ import annotations

import resource

WANTED_OPEN_FILES = 262_144


def allow_many_connections() -> int:
    """Every websocket viewer is a file descriptor: raise the soft limit to the hard one (and
    the hard one too where we may), so that tens of thousands of connections fit. Returns the
    limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for wanted in (max(hard, WANTED_OPEN_FILES), hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, wanted))
            return wanted
        except (ValueError, OSError):
            continue
    return soft

"""Names on leases: which process (and which part of it) holds an outbox claim or a gate's
check-in pipeline."""

from __future__ import annotations

import os
import socket
import uuid


def lease_owner_name() -> str:
    """A lease holder's name: host, process and a random part (two holders in one process,
    or one process started again with the same pid, are two owners). At most 48 characters,
    for the 60 of the lease columns."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

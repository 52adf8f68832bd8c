"""The moment a process's HTTP server begins to shut down (SIGTERM to ``gate serve``), told to
what must act then rather than at the app's lifespan shutdown, which comes only once every
request under way has been answered.

uvicorn stops accepting, closes idle connections and the websockets (code 1012, "service
restart"), lets the requests under way finish within ``GATE_SHUTDOWN_TIMEOUT`` and then runs
the lifespan's shutdown; it tells the app nothing before. Its protocol's ``shutdown`` is
called on every connection at that first moment: services/server.py's protocol calls
``begin`` from there, once per process (docs/architecture.md, "Graceful shutdown")."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger("gate.draining")

_listeners: list[Callable[[], None]] = []
_begun = False


def when_draining(listener: Callable[[], None]) -> Callable[[], None]:
    """Call ``listener`` when the server begins to shut down (at once if it has); returns
    what removes it (an app stopped without a server's shutdown, as the tests' are)."""
    if _begun:
        listener()
        return lambda: None
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def begin() -> None:
    """The server stopped accepting: tell each listener, once."""
    global _begun
    if _begun:
        return
    _begun = True
    log.info("server.draining")
    for listener in list(_listeners):
        try:
            listener()
        except Exception:  # one listener failing must not keep the others from hearing
            log.exception("server.draining.listener_failed")

"""The request id: one name for everything a request caused, from the proxy's access line
through every log line written while handling it to the events it published and the audit
entries it appended (issue 13, "Logs"; docs/architecture.md, "Request ids").

The id lives in a context variable for the request's task (``bound``), set at the edge
(services/edge.py): taken from the proxy's ``X-Request-ID`` when it is acceptable
(``accepted``), else made here (``new_request_id``). A task started for the process, not
for a request (a gate's batch loop), must start from an empty context
(``contextvars.Context()``), or it would carry the id of the request that happened to
start it into every batch after.

Work done for many requests at once (a batch of check-ins, of booking attempts) does not
read the variable: each request's id travels with its item and is stamped on the events
of that item alone (``gate.store.unit_of_work.UnitOfWork.record``)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

# At most this many characters: a UUID is 36, nginx's $request_id 32, a trace header of a
# cloud's balancer a few dozen; the audit log's column holds this many.
MAX_LENGTH = 128
# Characters that need no escaping in a log line, a header or a URL, and cannot start a
# second header or a second log line: letters, digits and ``- _ . : + = / @``.
_ACCEPTABLE = re.compile(rf"[A-Za-z0-9\-_.:+=/@]{{1,{MAX_LENGTH}}}")

_CURRENT: ContextVar[str | None] = ContextVar("gate_request_id", default=None)


def accepted(candidate: str | None) -> str | None:
    """``candidate`` when it may be used as a request id (1 to ``MAX_LENGTH`` characters of
    the safe set above), else None: the caller then makes one (``new_request_id``)."""
    if candidate is None or _ACCEPTABLE.fullmatch(candidate) is None:
        return None
    return candidate


def new_request_id() -> str:
    """A fresh id: 32 lowercase hex digits (a random UUID's, the form nginx's own has)."""
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    """The id of the request this code runs for, or None outside a request."""
    return _CURRENT.get()


def enter(request_id: str) -> Token[str | None]:
    """Begin handling request ``request_id`` in this context; ``leave`` with the token ends
    it. ``bound`` as two calls, for the app's edge, which runs for every request and has
    its own ``try`` (a context manager there is a generator and two more calls a request)."""
    return _CURRENT.set(request_id)


def leave(token: Token[str | None]) -> None:
    """End the handling ``enter`` began (the id before it is current again)."""
    _CURRENT.reset(token)


@contextmanager
def bound(request_id: str) -> Iterator[str]:
    """Run the block as the handling of request ``request_id`` (restored after it)."""
    token = _CURRENT.set(request_id)
    try:
        yield request_id
    finally:
        _CURRENT.reset(token)

"""A request whose transaction lost a deadlock or a serialisation failure is run again here,
in the server, before its client hears of it (issue 11, point 8: "treat a deadlock or
serialisation failure that still happens as a retry, never a 500").

Why this is safe: the request boundary commits (services/api/dependencies.py), so a request
that failed this way was rolled back whole: nothing it wrote stays, no event was published
(events go out after the commit), and its idempotency claim went with the rollback. Running it
again is the same as the client sending it again, without the round trip and without asking
every integrator to write a retry loop for a fault of ours.

Where: at the app's edge (services/edge.py), around the whole of its handling, in the wrapper
that also binds the request id, counts the request and adds the security headers.

How: the request's body (at most ``MAX_BODY_BYTES``: the API refuses larger ones anyway) is
read once and replayed to each attempt; each attempt gets a fresh copy of the original scope
(Litestar caches the parsed body and its own state in the scope). The exception handler marks
the scope when it answers a transient conflict (``mark_transient_conflict``); when an attempt's
answer starts with that mark and attempts remain, its answer is dropped and the request runs
again after a short, growing, jittered pause (the winning transaction needs a moment to
commit). The last attempt's answer, the 503 with Retry-After, reaches the client as before.
Websockets and bodies past the bound pass through untouched.
"""

from __future__ import annotations

from litestar.types import Receive, ReceiveMessage, Scope

from services.common.requests import MAX_BODY_BYTES

ATTEMPTS = 3
# Pause before attempt n (n = 1, 2): up to PAUSE_S * n, jittered so that the two sides of a
# deadlock do not meet again in step.
PAUSE_S = 0.05
_MARK = "gate.transient_conflict"


def mark_transient_conflict(scope: Scope) -> None:
    """Called by the exception handler that answers a deadlock or serialisation failure."""
    scope[_MARK] = True  # type: ignore[literal-required]


def is_marked(scope: Scope) -> bool:
    """Whether the exception handler answered this attempt as a transient conflict."""
    return bool(scope.get(_MARK))


async def read_body(receive: Receive) -> tuple[list[ReceiveMessage], bool]:
    """The request's body messages, and whether the whole of it fits the bound (a client
    that disconnected or a body past the bound is not replayed)."""
    messages: list[ReceiveMessage] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, False
        size += len(message.get("body", b""))
        if size > MAX_BODY_BYTES:
            return messages, False
        if not message.get("more_body", False):
            return messages, True


def replay(messages: list[ReceiveMessage], receive: Receive) -> Receive:
    """A ``receive`` that gives ``messages`` again, then waits on the real one (for the
    disconnect a streaming answer listens for)."""
    pending = list(messages)

    async def replayed() -> ReceiveMessage:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed

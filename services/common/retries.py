"""A request whose transaction lost a deadlock or a serialisation failure is run again here,
in the server, before its client hears of it (issue 11, point 8: "treat a deadlock or
serialisation failure that still happens as a retry, never a 500").

Why this is safe: the request boundary commits (services/api/dependencies.py), so a request
that failed this way was rolled back whole: nothing it wrote stays, no event was published
(events go out after the commit), and its idempotency claim went with the rollback. Running it
again is the same as the client sending it again, without the round trip and without asking
every integrator to write a retry loop for a fault of ours.

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

import asyncio
import logging
import random
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from services.common.requests import MAX_BODY_BYTES

log = logging.getLogger("gate.retries")

ATTEMPTS = 3
# Pause before attempt n (n = 1, 2): up to PAUSE_S * n, jittered so that the two sides of a
# deadlock do not meet again in step.
PAUSE_S = 0.05
_MARK = "gate.transient_conflict"


def mark_transient_conflict(scope: Scope) -> None:
    """Called by the exception handler that answers a deadlock or serialisation failure."""
    scope[_MARK] = True  # type: ignore[literal-required]


async def _read_body(receive: Receive) -> tuple[list[ReceiveMessage], bool]:
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


def retry_transient_conflicts(app: ASGIApp) -> ASGIApp:
    """An ASGI middleware (Litestar's ``middleware=``) that runs an HTTP request again, up to
    ``ATTEMPTS`` times in all, when its answer is a transient conflict."""

    async def retrying(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        messages, whole = await _read_body(receive)
        if not whole:
            await app(scope, _replay(messages, receive), send)
            return
        for attempt in range(1, ATTEMPTS + 1):
            if await _attempt(app, scope, _replay(messages, receive), send, attempt == ATTEMPTS):
                return
            log.warning("request.retried_after_conflict", extra={"attempt": attempt})
            # Jitter, not security: random is right here.
            await asyncio.sleep(random.uniform(0, PAUSE_S * attempt))  # noqa: S311

    return retrying


async def _attempt(app: ASGIApp, scope: Scope, receive: Receive, send: Send, last: bool) -> bool:
    """Run the request once on a fresh copy of ``scope``; False when its answer was a
    transient conflict and was dropped (never on the ``last`` attempt)."""
    fresh: Any = dict(scope)
    fresh["state"] = dict(scope.get("state") or {})
    dropped = False

    async def forward(message: Message) -> None:
        nonlocal dropped
        if message["type"] == "http.response.start" and not last:
            dropped = bool(fresh.get(_MARK))
        if not dropped:
            await send(message)

    await app(fresh, receive, forward)
    return not dropped


def _replay(messages: list[ReceiveMessage], receive: Receive) -> Receive:
    """A ``receive`` that gives ``messages`` again, then waits on the real one (for the
    disconnect a streaming answer listens for)."""
    pending = list(messages)

    async def replayed() -> ReceiveMessage:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed

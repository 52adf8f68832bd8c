"""The app's edge: one ASGI wrapper around the whole of its handling (``Litestar.asgi_handler``:
routing, exception handlers, routes), doing for each request what used to be five nested
wrappers, each with its own coroutine and its own ``send`` closure per message (issue 20: a
check-in's wrappers were a tenth of its CPU; docs/benchmarks.md, "The check-in's request
path"):

* the request id (gate/request_ids.py): the last ``X-Request-ID`` when acceptable, else a new
  one; bound for the request's task (log lines, uvicorn's access line, events) and echoed in
  the answer's ``X-Request-ID`` (an HTTP response start, a websocket's accept);
* the count and time of every HTTP request by method, route template and status
  (services/common/observed.py), a request for no route counted as ``unmatched``;
* the transient-conflict retry (services/common/retries.py): a request whose answer the
  exception handler marked as a lost deadlock or serialisation failure is run again, its
  body replayed, on a fresh copy of its scope, up to ``ATTEMPTS`` times in all;
* the security headers of every HTTP answer (services/headers.py).

Around the whole handling, not in a route's middleware: Litestar runs route middleware for
matched routes only, and a request for no route (404), a refused method (405) and the
exception handlers' answers are requests too (their ids, counts and headers). Without route
middleware, Litestar also leaves out the second exception-handling layer it puts inside
every route that has some. The websocket cap is the websocket routes' own middleware
(services/sockets.py), as before only for routes that matched.

uvicorn writes its access line while the app sends the answer's start, in the request's
task, so the line reads the id bound here.
"""

from __future__ import annotations

import asyncio
import logging
import random
from time import perf_counter
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from gate.request_ids import accepted, enter, leave, new_request_id
from services.common.observed import count_request
from services.common.retries import ATTEMPTS, PAUSE_S, is_marked, read_body, replay
from services.headers import carries_credentials, secured

log = logging.getLogger("gate.retries")

HEADER = b"x-request-id"
_HOST = b"host"
_AUTHORIZATION = b"authorization"
_COOKIE = b"cookie"


def at_the_edge(handler: ASGIApp) -> ASGIApp:
    """``handler`` (the app's ASGI handler) with each HTTP request and websocket handled as
    the module says; other scopes pass untouched."""

    async def edge(scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == ScopeType.HTTP:
            await _http(handler, scope, receive, send)
        elif kind == ScopeType.WEBSOCKET:
            await _websocket(handler, scope, receive, send)
        else:
            await handler(scope, receive, send)

    edge.__wrapped__ = handler  # type: ignore[attr-defined]  # the bare one (benchmarks)
    return edge


def _request_id(given: bytes | None) -> str:
    """The request's id: ``given`` (the last ``X-Request-ID`` sent) when acceptable, else a
    new one (gate/request_ids.py)."""
    request_id = accepted(given.decode("latin-1") if given is not None else None)
    return request_id or new_request_id()


async def _http(handler: ASGIApp, scope: Any, receive: Receive, send: Send) -> None:
    # One pass over the request's headers: its id (the last one: a proxy appends its own
    # after whatever the client sent), and what the security headers depend on (the first).
    given = host = authorization = cookies = None
    for name, value in scope["headers"]:
        if name == HEADER:
            given = value
        elif name == _HOST:
            host = host or value
        elif name == _AUTHORIZATION:
            authorization = authorization if authorization is not None else value
        elif name == _COOKIE:
            cookies = cookies if cookies is not None else value
    request_id = _request_id(given)
    echoed = (HEADER, request_id.encode())
    credentials = carries_credentials(authorization, cookies)
    token = enter(request_id)
    start = perf_counter()
    status = 500  # an exception through every handler: the server answers 500
    attempt: Any = scope
    try:
        messages, whole = await read_body(receive)
        attempts = ATTEMPTS if whole else 1
        for number in range(1, attempts + 1):
            # A fresh copy each time: Litestar keeps the parsed body and its state in it.
            attempt = dict(scope)
            attempt["state"] = dict(scope.get("state") or {})
            retried = number < attempts
            dropped = False

            async def forward(
                message: Message, fresh: Any = attempt, retried: bool = retried
            ) -> None:
                nonlocal status, dropped
                if message["type"] == "http.response.start":
                    if retried and is_marked(fresh):
                        dropped = True  # a transient conflict: the request runs again
                        return
                    status = message["status"]
                    # uvicorn's access line, written as this start is sent, reads the path
                    # from its own scope: the router's normalised one, as before the copies.
                    scope["path"] = fresh["path"]
                    message["headers"] = secured(
                        message.get("headers", ()), fresh, host, credentials, echoed
                    )
                elif dropped:
                    return
                await send(message)

            await handler(attempt, replay(messages, receive), forward)
            if not dropped:
                return
            log.warning("request.retried_after_conflict", extra={"attempt": number})
            # Jitter, not security: random is right here.
            await asyncio.sleep(random.uniform(0, PAUSE_S * number))  # noqa: S311
    finally:
        leave(token)
        count_request(scope["method"], attempt.get("path_template"), status, perf_counter() - start)


async def _websocket(handler: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    given = None
    for name, value in scope["headers"]:
        if name == HEADER:
            given = value
    request_id = _request_id(given)
    echoed = (HEADER, request_id.encode())

    async def with_id(message: Message) -> None:
        if message["type"] == "websocket.accept":
            headers = [h for h in message.get("headers", ()) if h[0].lower() != HEADER]
            message["headers"] = [*headers, echoed]
        await send(message)

    token = enter(request_id)
    try:
        await handler(scope, receive, with_id)
    finally:
        leave(token)

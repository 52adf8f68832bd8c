"""The edge of the request id (gate/request_ids.py): every HTTP request and websocket
handshake is handled as one request id, taken from the proxy's ``X-Request-ID`` when it is
acceptable (bounded, safe characters) or made here, and echoed in the answer's
``X-Request-ID``.

It wraps the whole of the app's handling (``with_request_ids``), not a route's: an address
that is no route (404), a refused method (405) and the exception handlers' answers are
requests too, and their access lines carry the id like the others. uvicorn writes its
access line while the app sends the answer's start, in the request's task, so the line
reads the id from the context variable bound here."""

from __future__ import annotations

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from gate.request_ids import accepted, bound, new_request_id

HEADER = b"x-request-id"


def request_id_of(scope: Scope) -> str:
    """The request's id: its last acceptable ``X-Request-ID`` (a proxy appends its own
    after whatever the client sent), or a new one."""
    given = None
    for name, value in scope.get("headers", ()):
        if name == HEADER:
            given = value.decode("latin-1")
    return accepted(given) or new_request_id()


def request_ids(app: ASGIApp) -> ASGIApp:
    """``app`` handling each HTTP request and websocket in its request id (see the module)."""

    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in (ScopeType.HTTP, ScopeType.WEBSOCKET):
            await app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        header = (HEADER, request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] in ("http.response.start", "websocket.accept"):
                headers = [h for h in message.get("headers", ()) if h[0].lower() != HEADER]
                message["headers"] = [*headers, header]
            await send(message)

        with bound(request_id):
            await app(scope, receive, send_with_id)

    return handle


def add_request_ids(app: Litestar) -> Litestar:
    """``app`` with its whole handling (routing and exception handlers included, which a
    Litestar middleware does not see: it runs for matched routes only) wrapped in
    ``request_ids``."""
    app.asgi_handler = request_ids(app.asgi_handler)
    return app

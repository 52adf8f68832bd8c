"""How many websockets one client address may hold open in this process, on the API
(``GATE_WS_MAX_PER_ADDRESS``) and on the public boards' server (``GATE_BOARDS_MAX_PER_ADDRESS``).

Counted per process, on purpose: what a socket costs (a file descriptor, its buffers, on the
API a task and a queue) is the process's, and the count must fall when a process dies with
its sockets, which a count kept in Redis would not. A client spread over N processes may so
hold N times the cap, which still bounds it (docs/architecture.md, "Limits").

Over the cap the socket is accepted and closed at once with ``CLOSE_TOO_MANY`` (4429, as
HTTP's 429, beside the API's 4401/4403/4404) and a reason, so that a browser's script sees
why; refusing the handshake would show it only a failed connection."""

from __future__ import annotations

import logging
import os
from collections import Counter

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from gate.addresses import address_key
from gate.live.messages import SUBPROTOCOL
from gate.metrics import WEBSOCKET_VIEWERS

log = logging.getLogger("gate.sockets")

CLOSE_TOO_MANY = 4429
TOO_MANY_REASON = "too many open connections from your address"


class AddressCap:
    """Open sockets per client address (an IPv6 client by its /64, ``gate.addresses``), at
    most ``cap`` each (0: no cap); all of them counted as ``gate_websocket_viewers`` of
    ``part`` (realtime: the app's websocket routes; boards: the boards' server)."""

    def __init__(self, cap: int, part: str = "realtime") -> None:
        self.cap = cap
        self._open: Counter[str] = Counter()
        self._viewers = WEBSOCKET_VIEWERS.labels(part)

    def acquire(self, address: str | None) -> bool:
        """Count one more socket of ``address``; False (and nothing counted) over the cap."""
        key = address_key(address)
        if self.cap and self._open[key] >= self.cap:
            log.warning("websocket.refused.too_many", extra={"cap": self.cap})
            return False
        self._open[key] += 1
        self._viewers.inc()
        return True

    def release(self, address: str | None) -> None:
        """One socket of ``address`` closed (after a successful ``acquire``)."""
        key = address_key(address)
        self._open[key] -= 1
        self._viewers.dec()
        if self._open[key] <= 0:
            del self._open[key]

    def open(self, address: str | None) -> int:
        """How many sockets ``address`` holds now."""
        return self._open[address_key(address)]


def client_address(peer: str | None, forwarded_for: str | None) -> str | None:
    """The client's address on a server that does not read proxy headers itself (the boards'
    server): the peer's, unless the peer is a proxy uvicorn trusts too (``FORWARDED_ALLOW_IPS``:
    addresses separated by commas, or ``*``; default 127.0.0.1), which then names the client
    last in ``X-Forwarded-For``. Without this, every viewer behind a proxy would share the
    proxy's address and its cap."""
    trusted = {a.strip() for a in os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1").split(",")}
    if forwarded_for and peer is not None and ("*" in trusted or peer in trusted):
        return forwarded_for.split(",")[-1].strip() or peer
    return peer


def cap_websockets(app: ASGIApp) -> ASGIApp:
    """An ASGI middleware (for Litestar's ``middleware=`` of each websocket route,
    services/live/endpoints.py) that holds a websocket route to the platform's cap
    (``app.state.platform.sockets``, an ``AddressCap``); HTTP passes untouched. On the
    routes, not the app: app-wide middleware would run in every HTTP request too
    (services/edge.py). The count lives with the platform, not in the middleware, so that
    one app object can serve one platform after another."""

    async def capped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.WEBSOCKET:
            await app(scope, receive, send)
            return
        cap: AddressCap = scope["app"].state.platform.sockets
        client = scope.get("client")
        address = client[0] if client else None
        if not cap.acquire(address):
            await receive()  # websocket.connect
            # Our subprotocol when offered, as every endpoint selects it: a browser that
            # offered it (signing in with ``bearer.<token>``) drops a connection that selects
            # none, and its script would see a failed connection (1006), not 4429 and why.
            offered = scope.get("subprotocols") or ()
            chosen = SUBPROTOCOL if SUBPROTOCOL in offered else None
            await send({"type": "websocket.accept", "subprotocol": chosen, "headers": []})
            await send(
                {"type": "websocket.close", "code": CLOSE_TOO_MANY, "reason": TOO_MANY_REASON}
            )
            return
        try:
            await app(scope, receive, send)
        finally:
            cap.release(address)

    return capped

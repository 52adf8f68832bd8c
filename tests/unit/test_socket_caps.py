"""Websockets per client address: the count, whose address a proxied viewer has, and how a
socket over the cap is refused."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from services.sockets import AddressCap, cap_websockets, client_address


def test_an_address_at_its_cap_is_refused_until_one_of_its_sockets_closes():
    cap = AddressCap(2)
    assert cap.acquire("203.0.113.7") and cap.acquire("203.0.113.7")
    assert not cap.acquire("203.0.113.7")
    assert cap.acquire("198.51.100.1")  # another address is not affected
    cap.release("203.0.113.7")
    assert cap.open("203.0.113.7") == 1
    assert cap.acquire("203.0.113.7")


def test_an_ipv6_client_counts_by_its_64_and_a_mapped_ipv4_as_the_ipv4_address():
    cap = AddressCap(2)
    assert cap.acquire("2001:db8:7:1::a") and cap.acquire("2001:db8:7:1:8000::b")
    assert not cap.acquire("2001:db8:7:1:ffff:ffff:ffff:ffff")  # the same /64
    assert cap.acquire("2001:db8:7:2::a")  # another /64
    assert cap.acquire("::ffff:203.0.113.7") and cap.acquire("203.0.113.7")
    assert not cap.acquire("203.0.113.7")
    cap.release("2001:db8:7:1::a")
    assert cap.open("2001:db8:7:1::1") == 1


def test_a_cap_of_zero_is_no_cap():
    cap = AddressCap(0)
    assert all(cap.acquire("127.0.0.1") for _ in range(1000))


def test_behind_a_trusted_proxy_the_viewer_is_the_address_it_forwarded(
    monkeypatch: pytest.MonkeyPatch,
):
    """Each viewer behind the proxy counts as itself, not all of them as the proxy; a client
    that is no trusted proxy cannot name another address to dodge its cap."""
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert client_address("127.0.0.1", "203.0.113.7") == "203.0.113.7"
    assert client_address("127.0.0.1", "10.0.0.9, 203.0.113.7") == "203.0.113.7"
    assert client_address("198.51.100.1", "203.0.113.7") == "198.51.100.1"
    assert client_address("127.0.0.1", None) == "127.0.0.1"
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.1.0.2, 10.1.0.3")
    assert client_address("10.1.0.3", "203.0.113.7") == "203.0.113.7"
    assert client_address("127.0.0.1", "203.0.113.7") == "127.0.0.1"


async def test_a_socket_over_the_cap_is_closed_4429_under_the_subprotocol_its_browser_offered():
    """A browser's script that signs in through the subprotocol (``gate.v1`` and
    ``bearer.<token>``, the documented way for a browser) drops a connection that selects
    none of its offer: the refusal must select ``gate.v1`` for it to see 4429 and why."""
    cap = AddressCap(1)
    assert cap.acquire("203.0.113.7")
    platform = SimpleNamespace(sockets=cap)
    scope: dict[str, Any] = {
        "type": "websocket",
        "client": ("203.0.113.7", 5000),
        "subprotocols": ["gate.v1", "bearer.gs_0123456789abcdef_secret"],
        "app": SimpleNamespace(state=SimpleNamespace(platform=platform)),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def endpoint(*_: Any) -> None:
        pytest.fail("a socket over the cap reached the endpoint")

    await cap_websockets(endpoint)(scope, receive, send)  # type: ignore[arg-type]
    assert sent[0] == {"type": "websocket.accept", "subprotocol": "gate.v1", "headers": []}
    assert sent[1]["type"] == "websocket.close" and sent[1]["code"] == 4429
    assert cap.open("203.0.113.7") == 1  # the refused one was never counted


def test_every_websocket_route_of_the_app_holds_its_address_to_the_cap():
    """The cap is each websocket route's own middleware (not the app's, which would run in
    every HTTP request): a websocket route added without it would take any number of
    sockets from one address. Builds the routing table only (no database is opened)."""
    from litestar.routes import WebSocketRoute

    from gate.config import Settings
    from services.app import assemble_app, build_platform

    settings = Settings.from_env({"GATE_DATABASE_URL": "sqlite+aiosqlite:///:memory:"})
    app = assemble_app(build_platform(settings))
    sockets = [route for route in app.routes if isinstance(route, WebSocketRoute)]
    assert sockets  # the live channels, at least
    for route in sockets:
        assert cap_websockets in route.route_handler.resolve_middleware(), route.path

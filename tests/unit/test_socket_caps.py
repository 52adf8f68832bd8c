"""Websockets per client address: the count, and whose address a proxied viewer has."""

from __future__ import annotations

import pytest

from services.sockets import AddressCap, client_address


def test_an_address_at_its_cap_is_refused_until_one_of_its_sockets_closes():
    cap = AddressCap(2)
    assert cap.acquire("203.0.113.7") and cap.acquire("203.0.113.7")
    assert not cap.acquire("203.0.113.7")
    assert cap.acquire("198.51.100.1")  # another address is not affected
    cap.release("203.0.113.7")
    assert cap.open("203.0.113.7") == 1
    assert cap.acquire("203.0.113.7")


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

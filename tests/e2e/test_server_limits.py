"""The limits of the server `gate serve` runs, against one real process started for this
module: clients that send their headers or body too slowly are cut off, a request head has a
size bound, websockets have a message size bound and a cap per client address (on the API
and on the public boards' server), and connections past the process's limit are refused."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.e2e.server import listening, port_of, running_platform

GATE = str(Path(sys.executable).with_name("gate"))
HEADER_TIMEOUT_S = 1.0
BODY_TIMEOUT_S = 1.0
PER_ADDRESS = 3
MAX_MESSAGE = 1024
MAX_CONNECTIONS = 8
BOARD = "/ws/v1/gates/tan-thanh/board"


class Served(NamedTuple):
    port: int
    boards_port: int


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    listener, boards = listening(), listening()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATE_")}
    env.update(
        GATE_DATA_DIR=str(tmp_path_factory.mktemp("limits") / "data"),
        GATE_SWEEP_SECONDS="0",
        GATE_HEADER_TIMEOUT=str(HEADER_TIMEOUT_S),
        GATE_BODY_TIMEOUT=str(BODY_TIMEOUT_S),
        GATE_WS_MAX_PER_ADDRESS=str(PER_ADDRESS),
        GATE_BOARDS_MAX_PER_ADDRESS=str(PER_ADDRESS),
        GATE_WS_MAX_MESSAGE_BYTES=str(MAX_MESSAGE),
        GATE_MAX_CONNECTIONS=str(MAX_CONNECTIONS),
    )
    port, boards_port = port_of(listener), port_of(boards)
    with boards, running_platform([GATE, "serve"], env, listener, boards=boards):
        yield Served(port, boards_port)


def _answer_after_trickle(port: int, head: bytes, trickle: bytes) -> tuple[bytes, float]:
    """Send ``head``, then ``trickle`` a byte every 0.2 s until the server answers or closes;
    what it answered and after how many seconds."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        started = time.monotonic()
        client.sendall(head)
        client.settimeout(0.2)
        for byte in trickle:
            try:
                answer = client.recv(4096)
            except TimeoutError:
                client.sendall(bytes([byte]))
                continue
            return answer, time.monotonic() - started
    pytest.fail("the server kept reading a request that never ended")


def test_a_client_sending_its_headers_a_byte_at_a_time_is_cut_off(served: Served):
    answer, took = _answer_after_trickle(
        served.port, b"GET /health/live HTTP/1.1\r\nHost: gate\r\nX-Slow: ", b"a" * 200
    )
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"/problems/request-timeout" in answer
    _assert_secured(answer)
    assert HEADER_TIMEOUT_S * 0.9 <= took < HEADER_TIMEOUT_S + 3


def test_a_client_sending_its_body_a_byte_at_a_time_is_cut_off(served: Served):
    head = (
        b"POST /api/v1/auth/sessions HTTP/1.1\r\nHost: gate\r\n"
        b"Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{"
    )
    answer, took = _answer_after_trickle(served.port, head, b" " * 200)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert BODY_TIMEOUT_S * 0.9 <= took < BODY_TIMEOUT_S + 3


def test_a_request_head_past_its_bound_is_refused(served: Served):
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as client:
        client.sendall(b"GET /health/live HTTP/1.1\r\nHost: gate\r\nX-Big: " + b"a" * 40_000)
        answer = client.recv(4096)
    assert answer.startswith(b"HTTP/1.1 431 "), answer


def _assert_secured(answer: bytes) -> None:
    """An answer the server wrote itself carries the security headers all answers carry."""
    head = answer.partition(b"\r\n\r\n")[0].lower()
    for header in (
        b"x-content-type-options: nosniff",
        b"x-frame-options: deny",
        b"content-security-policy: default-src 'none'; frame-ancestors 'none'",
    ):
        assert header in head, (header, head)


def _answer(client: socket.socket) -> bytes:
    """One answer's head and (small) body, read until its Content-Length is in."""
    data = b""
    while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < int(
        data.lower().partition(b"content-length: ")[2].partition(b"\r\n")[0] or 0
    ):
        chunk = client.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_a_whole_request_head_past_its_bound_is_refused_also_on_a_kept_alive_connection(
    served: Served,
):
    """A head sent whole, in one write, reaches the server in one read: it was parsed and
    served before the bound was looked at. So too the second request of a connection, and a
    request pipelined behind another in one write."""
    big = b"GET /health/live HTTP/1.1\r\nHost: gate\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as client:
        client.sendall(big)
        refused = _answer(client)
        assert refused.startswith(b"HTTP/1.1 431 ")
        _assert_secured(refused)
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as client:
        client.sendall(b"GET /health/live HTTP/1.1\r\nHost: gate\r\n\r\n")
        assert _answer(client).startswith(b"HTTP/1.1 200 ")
        client.sendall(big)
        assert _answer(client).startswith(b"HTTP/1.1 431 ")
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as client:
        # Pipelined: the big head behind a small request, in the same write.
        client.sendall(b"GET /health/live HTTP/1.1\r\nHost: gate\r\n\r\n" + big)
        answers = b""
        while chunk := client.recv(65536):  # until the server closes, after its 431
            answers += chunk
        # The small one may be answered first; the big one is not served.
        assert answers.count(b"HTTP/1.1 ") == answers.count(b"HTTP/1.1 200 ") + 1, answers
        assert b"HTTP/1.1 431 " in answers, answers


async def _close_code(socket_: ClientConnection) -> int | None:
    """The close code the server ends ``socket_`` with (messages before it are skipped)."""
    try:
        while True:
            await asyncio.wait_for(socket_.recv(), 10)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def _open_until_refused(url: str, local: str = "127.0.0.1") -> list[ClientConnection]:
    """Open viewers of ``url`` from ``local`` until one is closed with 4429; the open ones."""
    held: list[ClientConnection] = []
    for _ in range(PER_ADDRESS + 1):
        viewer = await connect(url, open_timeout=10, local_addr=(local, 0))
        first = await asyncio.wait_for(viewer.recv(), 10) if len(held) < PER_ADDRESS else None
        if first is None:
            assert await _close_code(viewer) == 4429
            assert viewer.close_reason == "too many open connections from your address"
            return held
        held.append(viewer)
    pytest.fail("no cap")


async def _opens_again(url: str, local: str) -> None:
    """A viewer from ``local`` is let in again (the server counts closes as they come)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        async with connect(url, open_timeout=10, local_addr=(local, 0)) as viewer:
            try:
                await asyncio.wait_for(viewer.recv(), 10)
                return
            except ConnectionClosed:
                await asyncio.sleep(0.05)
    pytest.fail("the address stayed refused after its sockets closed")


@pytest.mark.parametrize("server", ["api", "boards"])
async def test_websockets_per_client_address_are_capped(served: Served, server: str):
    """The fourth socket from one address is closed with 4429 and a reason; another address
    is not affected; once one closes, the address may open one again."""
    port = served.port if server == "api" else served.boards_port
    url = f"ws://127.0.0.1:{port}{BOARD}"
    local = "127.0.0.2" if server == "api" else "127.0.0.3"
    held = await _open_until_refused(url, local)
    assert len(held) == PER_ADDRESS
    async with connect(url, open_timeout=10, local_addr=("127.0.0.4", 0)) as neighbour:
        assert await asyncio.wait_for(neighbour.recv(), 10)
    await held.pop().close()
    await _opens_again(url, local)
    for viewer in held:
        await viewer.close()


@pytest.mark.parametrize("server", ["api", "boards"])
async def test_a_websocket_message_past_the_size_bound_closes_the_socket(
    served: Served, server: str
):
    port = served.port if server == "api" else served.boards_port
    async with connect(f"ws://127.0.0.1:{port}{BOARD}", open_timeout=10) as viewer:
        await asyncio.wait_for(viewer.recv(), 10)
        await viewer.send("x" * (MAX_MESSAGE + 1))
        assert await _close_code(viewer) == 1009  # message too big


async def test_connections_past_the_process_limit_are_answered_503(served: Served):
    """Websockets count among the connections: with the process full, a request and a
    websocket upgrade are refused with 503; once they close, requests are served again."""
    base = f"http://127.0.0.1:{served.port}"
    url = f"ws://127.0.0.1:{served.port}{BOARD}"
    async with httpx.AsyncClient(base_url=base, timeout=10) as probe:
        assert (await probe.get("/health/live")).status_code == 200
    held = []
    for n in range(MAX_CONNECTIONS - 1):  # the connection that asks makes the limit
        viewer = await connect(url, open_timeout=10, local_addr=(f"127.0.1.{n + 1}", 0))
        await asyncio.wait_for(viewer.recv(), 10)
        held.append(viewer)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            full = await client.get("/health/live")
        assert full.status_code == 503
        assert full.headers["content-type"] == "application/problem+json"
        assert full.headers["x-content-type-options"] == "nosniff"
        with pytest.raises(InvalidStatus) as refused:
            await connect(url, open_timeout=10, local_addr=("127.0.2.1", 0))
        assert refused.value.response.status_code == 503
    finally:
        for viewer in held:
            await viewer.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            if (await client.get("/health/live")).status_code == 200:
                return
        await asyncio.sleep(0.05)
    pytest.fail("the process stayed full after its connections closed")

"""The boards' server's one keepalive for all viewers (services/boards/keepalive.py): a
viewer that answers its pings stays, one that does not is dropped at the next round, and one
whose socket stays backed up across two rounds, its backlog not shrinking, is dropped
without being pinged."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable

import pytest
import websockets
from websockets.asyncio.server import Server, ServerConnection, serve

from services.boards.keepalive import Keepalive, unanswered
from tests.live import eventually


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    """A websockets server as the boards' (no keepalive of its own) whose handler holds each
    viewer until it goes."""

    async def hold(connection: ServerConnection) -> None:
        async for _ in connection:
            pass

    async with serve(hold, "127.0.0.1", 0, ping_interval=None, compression=None) as running:
        yield running


def _port(server: Server) -> int:
    return int(next(iter(server.sockets)).getsockname()[1])


async def _silent_viewer(port: int) -> asyncio.StreamWriter:
    """A client that opens a websocket and then never reads: it answers no ping."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(b"silent-viewer-16").decode()
    writer.write(
        f"GET /ws/v1/gates/tan-thanh/board HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
    return writer


async def test_a_viewer_that_answers_stays_and_one_that_does_not_is_dropped(server: Server):
    port = _port(server)
    keepalive = Keepalive(lambda: server.connections, interval_s=3600)
    silent = await _silent_viewer(port)
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/v1/gates/tan-thanh/board") as alive:

        async def both_open() -> bool:
            return len(server.connections) == 2

        await eventually(both_open)
        first = await keepalive.round({})
        assert len(first) == 2 and all(isinstance(p, asyncio.Future) for p in first.values())

        async def alive_answered() -> bool:
            return sum(1 for pong in first.values() if _done(pong)) == 1

        await eventually(alive_answered)
        remembered = unanswered(first)
        assert len(remembered) == 1  # the silent one's: the answered ping is forgotten
        second = await keepalive.round(remembered)

        async def only_alive_left() -> bool:
            return len(server.connections) == 1

        await eventually(only_alive_left)
        assert list(second) == list(server.connections)  # pinged again, still open
        await alive.send("still here")  # and it can still talk to the server
        assert alive.state is websockets.protocol.State.OPEN
    silent.close()


async def test_a_viewer_backed_up_across_two_rounds_is_dropped_unless_it_drains(
    server: Server, monkeypatch: pytest.MonkeyPatch
):
    port = _port(server)
    keepalive = Keepalive(lambda: server.connections, interval_s=3600)
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/v1/gates/tan-thanh/board"):

        async def open_now() -> bool:
            return len(server.connections) == 1

        await eventually(open_now)
        (connection,) = server.connections
        # Its socket has unsent bytes, as when the viewer's side reads slowly or not at all.
        unsent = [3000]
        monkeypatch.setattr(connection.transport, "get_write_buffer_size", lambda: unsent[0])
        first = await keepalive.round({})
        assert first == {connection: 3000}  # not pinged: ping() would wait for the drain
        assert unanswered(first) == first  # still to be checked at the next round
        unsent[0] = 1000  # slow, but it took some: kept
        second = await keepalive.round(first)
        assert second == {connection: 1000}
        third = await keepalive.round(second)  # took nothing for a whole interval: dropped
        assert third == {}

        async def dropped() -> bool:
            return not server.connections

        await eventually(dropped)


def _done(pong: Awaitable[float] | None) -> bool:
    return isinstance(pong, asyncio.Future) and pong.done()

"""Many board viewers at small cost, for the fan-out harness: bare websocket clients on
asyncio protocols, spread over worker processes.

A full websocket client library costs the harness tens of microseconds a message, as much as
the server it measures, on the same two cores. These viewers do only what a measurement needs:
the opening handshake, reading the server's unmasked frames, noting when each ``seq`` arrived
(``time.monotonic()``, one clock for every process of the machine), answering pings, and a
close at the end. Every message's ``seq`` sits in its first bytes (see gate.live.messages).

Each worker process connects from a source address of its own (127.0.0.2, 127.0.0.3, ...:
all of 127.0.0.0/8 is the loopback on Linux), as clients of a real crowd come from many: one
source address has only the ephemeral port range's ports (28,232 here, see
/proc/sys/net/ipv4/ip_local_port_range) towards one server port, fewer than 50,000 viewers.
And a process holds at most its open-file limit of sockets (20,000 here), so a share never
exceeds ``VIEWERS_PER_PROCESS``."""

from __future__ import annotations

import asyncio
import base64
import math
import multiprocessing
import os
import resource
import struct
import time
from multiprocessing.connection import Connection
from typing import Any, cast
from urllib.parse import urlsplit

from gate.limits import allow_many_connections

KEY = base64.b64encode(b"fan-out-harness!").decode()
OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x8, 0x9, 0xA
# Room left under a process's open-file limit for what is not a viewer (pipes, the loop's).
SPARE_FILES = 2000


def _client_frame(opcode: int, payload: bytes) -> bytes:
    # Clients must mask their frames (RFC 6455 5.3); a zero mask leaves the payload as is.
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + b"\0\0\0\0" + payload


class BoardViewer(asyncio.Protocol):
    def __init__(self, request: bytes, opened: asyncio.Future[None]) -> None:
        self.request = request
        self.opened = opened
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.handshaken = False
        self.received: list[tuple[int, float]] = []
        self.failed: str | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self.buffer += data
        if not self.handshaken:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.buffer.startswith(b"HTTP/1.1 101"):
                self._fail("handshake " + bytes(self.buffer[:12]).decode(errors="replace"))
                return
            del self.buffer[: end + 4]
            self.handshaken = True
            self.opened.set_result(None)
        self._frames(now)

    def _frames(self, now: float) -> None:
        buffer = self.buffer
        while len(buffer) >= 2:
            opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, start = struct.unpack_from("!H", buffer, 2)[0], 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, start = struct.unpack_from("!Q", buffer, 2)[0], 10
            if len(buffer) < start + length:
                return
            if opcode == OP_TEXT:
                head = bytes(buffer[start : start + min(length, 120)])
                seq = int(head.split(b'"seq":', 1)[1].split(b",", 1)[0])
                self.received.append((seq, now))
            elif opcode == OP_PING and self.transport is not None:
                self.transport.write(_client_frame(OP_PONG, bytes(buffer[start : start + length])))
            elif opcode == OP_CLOSE:
                self.closed = True
            del buffer[: start + length]

    def _fail(self, why: str) -> None:
        self.failed = why
        if not self.opened.done():
            self.opened.set_result(None)
        if self.transport is not None:
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed and self.failed is None:
            self.failed = type(exc).__name__ if exc else "closed"
        if not self.opened.done():
            self.opened.set_result(None)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.closed = True
            self.transport.write(_client_frame(OP_CLOSE, struct.pack("!H", 1000)))
            self.transport.close()


async def _open(url: str, viewers: list[BoardViewer], count: int, source: str) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    request = (
        f"GET {parts.path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()

    async def one() -> None:
        opened: asyncio.Future[None] = loop.create_future()
        viewer = BoardViewer(request, opened)
        viewers.append(viewer)
        try:
            await loop.create_connection(lambda: viewer, host, port, local_addr=(source, 0))
            await asyncio.wait_for(opened, 60)
        except (OSError, TimeoutError) as error:
            viewer.failed = viewer.failed or type(error).__name__

    # In waves, as a crowd arrives: a listen backlog is finite.
    for start in range(0, count, 200):
        await asyncio.gather(*(one() for _ in range(min(200, count - start))))


def _worker(url: str, count: int, source: str, pipe: Connection) -> None:
    """One process's viewers: open them, say so, hold them until told, send what they saw."""
    allow_many_connections()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    async def main() -> None:
        viewers: list[BoardViewer] = []
        await _open(url, viewers, count, source)
        pipe.send(("connected", sum(1 for v in viewers if v.failed is None)))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, pipe.recv)  # "stop"
        for viewer in viewers:
            viewer.close()
        pipe.send(("results", [(v.received, v.failed) for v in viewers]))

    asyncio.run(main())


class ViewerCrowd:
    """``viewers`` viewers of ``url`` over ``processes`` processes (more if a share would
    exceed ``viewers_per_process()``), each from a source address of its own."""

    def __init__(self, url: str, viewers: int, processes: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._pipes: list[Connection] = []
        self._workers: list[Any] = []
        processes = max(processes, math.ceil(viewers / viewers_per_process()))
        shares = [
            viewers // processes + (1 if n < viewers % processes else 0) for n in range(processes)
        ]
        for n, share in enumerate(shares):
            parent, child = context.Pipe()
            source = source_address(n)
            worker = context.Process(target=_worker, args=(url, share, source, child), daemon=True)
            worker.start()
            self._pipes.append(parent)
            self._workers.append(worker)

    async def connected(self) -> int:
        """Waits until every process has opened its viewers; how many are open."""
        loop = asyncio.get_running_loop()
        replies = [await loop.run_in_executor(None, pipe.recv) for pipe in self._pipes]
        return sum(int(count) for _, count in replies)

    async def results(self) -> list[tuple[list[tuple[int, float]], str | None]]:
        """Stops every viewer; what each saw (seq and arrival time) and why it failed, if so."""
        loop = asyncio.get_running_loop()
        for pipe in self._pipes:
            pipe.send("stop")
        seen: list[tuple[list[tuple[int, float]], str | None]] = []
        for pipe in self._pipes:
            _, part = await loop.run_in_executor(None, pipe.recv)
            seen.extend(part)
        for worker in self._workers:
            worker.join(timeout=30)
        return seen


def source_address(n: int) -> str:
    """The n-th worker's source address: 127.0.0.2 onwards (127.0.0.1 stays the harness's
    own, for its API calls and its probe)."""
    return f"127.0.{(n + 2) // 256}.{(n + 2) % 256}"


def viewers_per_process() -> int:
    """How many viewers one process may hold: its hard open-file limit less some spare."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    limit = hard if hard != resource.RLIM_INFINITY else 1_000_000
    return max(1000, limit - SPARE_FILES)


def default_processes(viewers: int) -> int:
    return max(
        1,
        min(os.cpu_count() or 1, viewers // 2000 + 1),
        math.ceil(viewers / viewers_per_process()),
    )

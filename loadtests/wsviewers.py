"""Many board viewers at small cost, for the fan-out harness: bare websocket clients on
non-blocking sockets and one epoll per worker process.

A full websocket client library costs the harness tens of microseconds a message, as much as
the server it measures, on the same two cores. These viewers do only what a measurement needs:
the opening handshake, reading the server's unmasked frames, noting when each ``seq`` arrived,
answering pings, and a close at the end. Every message's ``seq`` sits in its first bytes (see
gate.live.messages).

When a message arrived is the kernel's receive timestamp of its socket (``SO_TIMESTAMPNS``:
the wall clock when the segment reached the viewer's socket, which on the loopback is while
the server's ``send`` runs), not when this process got round to reading it: on two shared
cores the harness's own processes wait for the CPU behind the server's, and a viewer's phone
does not wait behind the server. When each was read is kept too (``fanout.py`` gives both).

Each worker process connects from a source address of its own (127.0.0.2, 127.0.0.3, ...:
all of 127.0.0.0/8 is the loopback on Linux), as clients of a real crowd come from many: one
source address has only the ephemeral port range's ports (28,232 here, see
/proc/sys/net/ipv4/ip_local_port_range) towards one server port, fewer than 50,000 viewers.
And a process holds at most its open-file limit of sockets (20,000 here), so a share never
exceeds ``VIEWERS_PER_PROCESS``."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import errno
import math
import multiprocessing
import os
import resource
import select
import socket
import struct
import time
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

from gate.limits import allow_many_connections

KEY = base64.b64encode(b"fan-out-harness!").decode()
OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x8, 0x9, 0xA
# Room left under a process's open-file limit for what is not a viewer (pipes, the loop's).
SPARE_FILES = 2000
# Linux's SO_TIMESTAMPNS (asm-generic/socket.h; Python's socket module does not name it): each
# read carries, as a struct timespec, when the kernel received the last segment it returns.
SO_TIMESTAMPNS = 35
_TIMESPEC = struct.Struct("qq")
STAMP_SPACE = socket.CMSG_SPACE(_TIMESPEC.size)
RECV_BYTES = 16384
WAVE = 200  # connections opening at once per process
VIEWER_NICENESS = 10  # CFS weight 110 against the platform's 1024 when both want a core


def _client_frame(opcode: int, payload: bytes) -> bytes:
    # Clients must mask their frames (RFC 6455 5.3); a zero mask leaves the payload as is.
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + b"\0\0\0\0" + payload


class BoardViewer:
    """One viewer's socket and what it saw: for each text frame its ``seq``, when the frame's
    last bytes reached the socket (the kernel's receive timestamp, ``SO_TIMESTAMPNS``) and
    when this process read it (both ``time.time()``: the kernel stamps with the wall clock)."""

    __slots__ = ("buffer", "closed", "failed", "handshaken", "received", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.handshaken = False
        self.received: list[tuple[int, float, float]] = []
        self.failed: str | None = None
        self.closed = False

    def read(self) -> bool:
        """Reads what the socket holds; False once the connection is over."""
        try:
            data, ancillary, _, _ = self.sock.recvmsg(RECV_BYTES, STAMP_SPACE)
        except BlockingIOError:
            return True
        except OSError as error:
            self._fail(type(error).__name__)
            return False
        read_at = time.time()
        if not data:
            if not self.closed and self.failed is None:
                self.failed = "closed"
            return False
        # The stamp of the last segment this read took: a frame's arrival whole.
        arrived = read_at
        for level, kind, raw in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                seconds, nanoseconds = _TIMESPEC.unpack_from(raw)
                arrived = seconds + nanoseconds / 1e9
        self.buffer += data
        if not self.handshaken:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return True
            if not self.buffer.startswith(b"HTTP/1.1 101"):
                self._fail("handshake " + bytes(self.buffer[:12]).decode(errors="replace"))
                return False
            del self.buffer[: end + 4]
            self.handshaken = True
        return self._frames(arrived, read_at)

    def _frames(self, arrived: float, read_at: float) -> bool:
        buffer = self.buffer
        while len(buffer) >= 2:
            opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return True
                length, start = struct.unpack_from("!H", buffer, 2)[0], 4
            elif length == 127:
                if len(buffer) < 10:
                    return True
                length, start = struct.unpack_from("!Q", buffer, 2)[0], 10
            if len(buffer) < start + length:
                return True
            if opcode == OP_TEXT:
                head = bytes(buffer[start : start + min(length, 120)])
                seq = int(head.split(b'"seq":', 1)[1].split(b",", 1)[0])
                self.received.append((seq, arrived, read_at))
            elif opcode == OP_PING:
                self._send(_client_frame(OP_PONG, bytes(buffer[start : start + length])))
            elif opcode == OP_CLOSE:
                self.closed = True
            del buffer[: start + length]
        return True

    def _send(self, data: bytes) -> None:
        # A few bytes on a socket that only receives: its send buffer always has room.
        with contextlib.suppress(OSError):
            self.sock.send(data)

    def _fail(self, why: str) -> None:
        self.failed = self.failed or why

    def close(self) -> None:
        if self.failed is None and not self.closed:
            self.closed = True
            self._send(_client_frame(OP_CLOSE, struct.pack("!H", 1000)))
        self.sock.close()


class _Viewers:
    """One process's viewers on one epoll: no event loop, no object per event beyond what
    the kernel hands back."""

    def __init__(self, url: str, source: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.source = source
        self.request = (
            f"GET {parts.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.poller = select.epoll()
        self.open: dict[int, BoardViewer] = {}
        self.connecting: dict[int, BoardViewer] = {}
        self.unanswered: set[int] = set()  # connected, the server's 101 not yet read
        self.all: list[BoardViewer] = []

    def connect(self, count: int) -> None:
        """Opens ``count`` viewers, in waves as a crowd arrives (a listen backlog is finite),
        each wave's handshakes finished or given up (60 s) before the next."""
        for start in range(0, count, WAVE):
            for _ in range(min(WAVE, count - start)):
                self._start_one()
            deadline = time.monotonic() + 60
            while self.connecting or self.unanswered:
                if time.monotonic() > deadline:
                    late = [*self.connecting.values(), *(self.open[f] for f in self.unanswered)]
                    for viewer in late:
                        viewer._fail("TimeoutError")
                        self._drop(viewer)
                    break
                self.poll(1.0)

    def _start_one(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        viewer = BoardViewer(sock)
        self.all.append(viewer)
        try:
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            sock.bind((self.source, 0))
            sock.setblocking(False)
            error = sock.connect_ex((self.host, self.port))
        except OSError as failure:
            viewer._fail(type(failure).__name__)
            sock.close()
            return
        if error not in (0, errno.EINPROGRESS):
            viewer._fail(errno.errorcode.get(error, str(error)))
            sock.close()
            return
        self.connecting[sock.fileno()] = viewer
        self.poller.register(sock.fileno(), select.EPOLLOUT)

    def poll(self, timeout: float) -> None:
        for fd, _ in self.poller.poll(timeout):
            viewer = self.open.get(fd)
            if viewer is not None:
                if not viewer.read():
                    self._drop(viewer)
                elif viewer.handshaken:
                    self.unanswered.discard(fd)
                continue
            viewer = self.connecting.pop(fd, None)
            if viewer is None:
                continue
            error = viewer.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if error:
                viewer._fail(errno.errorcode.get(error, str(error)))
                self.poller.unregister(fd)
                viewer.sock.close()
                continue
            viewer.sock.send(self.request)  # a few hundred bytes into an empty send buffer
            self.open[fd] = viewer
            self.unanswered.add(fd)
            self.poller.modify(fd, select.EPOLLIN)

    def _drop(self, viewer: BoardViewer) -> None:
        fd = viewer.sock.fileno()
        if fd >= 0:
            self.open.pop(fd, None)
            self.connecting.pop(fd, None)
            self.unanswered.discard(fd)
            with contextlib.suppress(OSError, ValueError):
                self.poller.unregister(fd)
            viewer.sock.close()

    def watch(self, stop: Connection) -> None:
        """Reads every viewer until ``stop`` has something to say."""
        self.poller.register(stop.fileno(), select.EPOLLIN)
        told = False
        while not told:
            for fd, _ in self.poller.poll(1.0):
                if fd == stop.fileno():
                    told = True  # the rest of this batch is read first
                    continue
                viewer = self.open.get(fd)
                if viewer is not None and not viewer.read():
                    self._drop(viewer)
        self.poller.unregister(stop.fileno())

    def drain(self, final_seq: int, patience_s: float) -> None:
        """Reads on until every open viewer has a message at or after ``final_seq`` (the
        last state), ``patience_s`` at most: a viewer stopped before a late message reached
        it would count as never reaching that state."""
        deadline = time.monotonic() + patience_s
        behind = {fd for fd, v in self.open.items() if not _has(v, final_seq)}
        while behind and time.monotonic() < deadline:
            for fd, _ in self.poller.poll(0.5):
                viewer = self.open.get(fd)
                if viewer is not None and not viewer.read():
                    self._drop(viewer)
            behind = {fd for fd in behind if fd in self.open and not _has(self.open[fd], final_seq)}

    def close(self) -> None:
        for viewer in self.all:
            if viewer.sock.fileno() >= 0:
                viewer.close()


def _worker(url: str, count: int, source: str, pipe: Connection) -> None:
    """One process's viewers: open them, say so, hold them until told, send what they saw.
    Once connected, at a lower priority than the platform (``VIEWER_NICENESS``): a crowd's
    phones do not take the server's CPU, and what the harness measures is when a message
    reached a viewer's socket, which its reading later does not change."""
    allow_many_connections()
    viewers = _Viewers(url, source)
    viewers.connect(count)
    os.nice(VIEWER_NICENESS)
    pipe.send(("connected", sum(1 for v in viewers.all if v.failed is None and v.handshaken)))
    viewers.watch(pipe)
    _, final_seq, patience_s = pipe.recv()  # ("stop", the last state's seq or 0, seconds)
    viewers.drain(final_seq, patience_s)
    viewers.close()
    pipe.send(("results", [(v.received, v.failed) for v in viewers.all]))


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

    async def results(
        self, final_seq: int = 0, patience_s: float = 30
    ) -> list[tuple[list[tuple[int, float, float]], str | None]]:
        """Stops every viewer, each once it has a message at or after ``final_seq`` (or
        after ``patience_s``); what each saw (seq, arrival and read time) and why it
        failed, if so."""
        loop = asyncio.get_running_loop()
        for pipe in self._pipes:
            pipe.send(("stop", final_seq, patience_s))
        seen: list[tuple[list[tuple[int, float, float]], str | None]] = []
        for pipe in self._pipes:
            _, part = await loop.run_in_executor(None, pipe.recv)
            seen.extend(part)
        for worker in self._workers:
            worker.join(timeout=30)
        return seen


def _has(viewer: BoardViewer, seq: int) -> bool:
    return bool(viewer.received) and viewer.received[-1][0] >= seq


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

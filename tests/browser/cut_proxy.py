"""A TCP proxy between the browser and the boards' server that a test can cut, as a yard's
network or a proxy in front of the boards would: every connection through it reset on both
sides, new ones refused while it is down, and let through again once it is back on the same
port. The boards' server stays up and its boards unchanged, so a board that comes back asks
for what it missed and is sent nothing."""

from __future__ import annotations

import asyncio
import contextlib
import socket


class CutProxy:
    """Listens on 127.0.0.1 (a port of its own, fixed from ``__init__``) and forwards to
    ``target_port`` there, set before the first connection comes."""

    def __init__(self) -> None:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port: int = probe.getsockname()[1]
        probe.close()
        self.target_port: int | None = None
        self.accepted = 0  # connections let through, over the proxy's life
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._pipes: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._connect, "127.0.0.1", self.port, reuse_address=True
        )

    async def cut(self) -> None:
        """Stop listening and reset every connection through the proxy, both ways."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()
        if server is not None:
            # After the resets: it waits for the connections it accepted to end.
            await server.wait_closed()

    async def stop(self) -> None:
        await self.cut()
        for pipe in list(self._pipes):
            pipe.cancel()
        for pipe in list(self._pipes):
            with contextlib.suppress(asyncio.CancelledError):
                await pipe

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self.target_port is not None, "the proxy's target is set before it is used"
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.accepted += 1
        self._open |= {writer, up_writer}
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            pipe = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(pipe)
            pipe.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._open.discard(sink)
            sink.transport.abort()

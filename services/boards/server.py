"""The public boards' server (bảng thông tin công khai): the live board of each gate over a
plain websockets server, for the thousands who watch one gate in a crisis.

The protocol is the one of ``/ws/v1/gates/{code}/board`` on the API (a snapshot, or with
``?since=SEQ`` the messages missed since then, then sequenced deltas); only the way it is
written differs. Behind Litestar every viewer has a queue and a task that wakes for every
message and passes it down the ASGI layers; here a message is written to all of a board's
connections in one synchronous pass (the frame made once, then one write per connection), so
a viewer costs a write per message and nothing while the board is quiet. Runs in the
platform's process on its own port (``GATE_BOARDS_PORT``), beside the API, on the hub the
projector feeds.

A viewer that cannot keep up (its socket's send buffer above ``SLOW_VIEWER_BYTES``) is
skipped instead of buffered without bound, and sent the board's current snapshot once its
buffer has drained: the same promise the hub makes to its queued viewers.

A viewer costs the server about 9.5 KiB of memory (issue 20's bound is 10 KiB, for 50,000
viewers over the platform's processes): its handshake's headers are let go once read and
one keepalive loop pings every viewer (services/boards/keepalive.py); see _forget_headers and
docs/benchmarks.md, "Websocket fan-out to 50,000 viewers"."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.typing import Subprotocol

from gate.live.channels import board_channel
from gate.live.hub import ChannelState
from gate.live.messages import SUBPROTOCOL, parse_since
from gate.live.service import Live
from gate.logs import install_redaction
from gate.store.faults import unavailability
from services.boards.keepalive import Keepalive
from services.headers import BARE_ANSWER_HEADERS
from services.sockets import CLOSE_TOO_MANY, TOO_MANY_REASON, AddressCap, client_address

BOARD_PATH = re.compile(r"^/ws/v1/gates/(?P<code>[A-Za-z0-9_-]{1,64})/board$")
CLOSE_NOT_FOUND = 4404  # as the API's websocket endpoints
CLOSE_TRY_AGAIN = 1013  # RFC 6455's "Try Again Later", as the API's: the database is away
CLOSE_RESTART = 1012  # "Service Restart" (IANA's registry), as uvicorn closes the API's
SLOW_VIEWER_BYTES = 256 * 1024
LISTEN_BACKLOG = 4096  # a crowd opens its boards at once; asyncio's default of 100 drops SYNs
PING_INTERVAL_S = 20  # a vanished phone is noticed within a minute and its socket freed
# What a viewer's handshake headers become once read: one empty set shared by all.
_NO_HEADERS = Headers()

GateIdOf = Callable[[str], Awaitable[str | None]]


def _select_subprotocol(_: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
    """``gate.v1`` when offered, as the API's websockets do (a browser that offered
    subprotocols drops a connection that selects none); anything else, such as a ``bearer.``
    token a client sends everywhere, is never selected nor echoed. No offer: none needed."""
    return Subprotocol(SUBPROTOCOL) if SUBPROTOCOL in offered else None


class BoardServer:
    """The public boards of one process, written to every viewer by broadcast."""

    def __init__(
        self, live: Live, gate_id_of: GateIdOf, cap: AddressCap, max_message_bytes: int = 4096
    ) -> None:
        self._live = live
        self._gate_id_of = gate_id_of
        self._cap = cap
        self._max_message_bytes = max_message_bytes
        self._lagging: set[ServerConnection] = set()
        self._server: Server | None = None
        self._keepalive: asyncio.Task[None] | None = None
        live.hub.broadcast = self._broadcast

    async def start(
        self, host: str | None = None, port: int | None = None, sock: socket.socket | None = None
    ) -> int:
        """Listen on ``host:port`` (port 0: any free one), or on ``sock``, a socket already
        bound (inherited: GATE_BOARDS_FD); returns the port. Several processes may listen on
        one port (the kernel spreads the viewers), or share one inherited socket."""
        install_redaction()  # its log lines never carry a query string's secrets
        where: dict[str, Any] = (
            {"sock": sock} if sock is not None else {"host": host, "port": port, "reuse_port": True}
        )
        self._server = await serve(
            self._serve,
            **where,
            process_request=self._check_path,
            process_response=_secure,
            select_subprotocol=_select_subprotocol,
            compression=None,  # boards are small; deflate per viewer would cost the CPU
            backlog=LISTEN_BACKLOG,
            ping_interval=None,  # one Keepalive for all viewers instead of a task each
            max_size=self._max_message_bytes,  # viewers send nothing but control frames
        )
        server = self._server
        keepalive = Keepalive(lambda: server.connections, PING_INTERVAL_S)
        self._keepalive = asyncio.create_task(keepalive.run())
        listening = next(iter(self._server.sockets))
        return int(listening.getsockname()[1])

    async def stop(self) -> None:
        """Stop accepting, close every viewer with 1012 and wait for their handlers."""
        if self._keepalive is not None:
            self._keepalive.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keepalive
        if self._server is not None:
            # 1012: the viewers' pages reconnect at once, to another process (board.js).
            self._server.close(code=CLOSE_RESTART, reason="service restart")
            await self._server.wait_closed()
        self._live.hub.broadcast = None

    @staticmethod
    def _check_path(connection: ServerConnection, request: Request) -> Response | None:
        if BOARD_PATH.match(request.path.partition("?")[0]) is None:
            return connection.respond(HTTPStatus.NOT_FOUND, "no such board\n")
        return None

    async def _serve(self, connection: ServerConnection) -> None:
        # This frame lives as long as the viewer: it keeps only what it needs.
        code, query, address = _viewer(connection)
        if not self._cap.acquire(address):
            await connection.close(CLOSE_TOO_MANY, TOO_MANY_REASON)
            return
        try:
            await self._view(connection, code, query)
        finally:
            self._cap.release(address)

    async def _view(self, connection: ServerConnection, code: str, query: str) -> None:
        try:
            known = await self._gate_id_of(code) is not None
        except Exception as error:
            # A gate this process has not seen yet is looked up: the database may be away.
            kind = unavailability(error)
            if kind is None:
                raise
            await connection.close(CLOSE_TRY_AGAIN, kind.description)
            return
        if not known:
            await connection.close(CLOSE_NOT_FOUND, "no such gate")
            return
        channel = sys.intern(board_channel(code))  # one string for all of a board's viewers
        first = await self._live.attach(channel, _since(query), connection)
        try:
            # Written before the next await: nothing broadcast meanwhile can come first.
            for text in first:
                _write(connection, text_frame(text))
            del first  # held no longer than written: this frame lives as long as the viewer
            # Viewers send nothing we need; reading is how a closed connection is noticed.
            async for _ in connection:
                pass
        except ConnectionClosed:
            pass
        finally:
            self._live.hub.detach(channel, connection)
            self._lagging.discard(connection)

    def _broadcast(self, channel: ChannelState, text: str) -> None:
        """Writes ``text`` to every viewer of ``channel`` in one pass: one frame serialized
        once, then per viewer a check and one write to its transport (websockets'
        ``broadcast`` frames the message again for each connection: 13.2 against 10.9 us
        of CPU a viewer on the loopback, the rest the kernel's ``send``; see
        docs/benchmarks.md, "Fan-out p99")."""
        frame = text_frame(text)
        snapshot: bytes | None = None
        lagging = self._lagging
        for connection in channel.sockets:
            transport = connection.transport
            buffered = transport.get_write_buffer_size()
            if buffered > SLOW_VIEWER_BYTES:
                lagging.add(connection)
            elif lagging and connection in lagging:
                if buffered == 0 and channel.snapshot_text is not None:
                    # Caught up with its buffer: the whole board now, then deltas again.
                    lagging.discard(connection)
                    snapshot = snapshot or text_frame(channel.snapshot_text)
                    _write(connection, snapshot)
            else:
                _write(connection, frame)


def text_frame(text: str) -> bytes:
    """``text`` as the bytes of one unmasked, uncompressed text frame, as a server sends it
    (RFC 6455 5.2): framed by websockets' own serializer, once for all viewers."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


def _write(connection: ServerConnection, frame: bytes) -> None:
    """What ``websockets.broadcast`` does for one connection, with the frame already made:
    only to an open connection (not one closing), straight to its transport. Safe beside
    websockets' own writes (pings, the close): each of those is written whole at once, and
    this server never sends a fragmented message."""
    if connection.protocol.state is State.OPEN:
        connection.transport.write(frame)


def _secure(_: ServerConnection, __: Request, response: Response) -> None:
    """The security headers on every HTTP answer of this server that is not the switch to a
    websocket (a 404 for what is no board, a 426 for a plain browser visit)."""
    if response.status_code != HTTPStatus.SWITCHING_PROTOCOLS:
        for name, value in BARE_ANSWER_HEADERS.items():
            response.headers[name] = value


def _viewer(connection: ServerConnection) -> tuple[str, str, str | None]:
    """The board's gate code, the query and the client's address of a viewer's handshake
    (its path checked by _check_path already); its headers are let go once read."""
    assert connection.request is not None  # set by the handshake
    path, _, query = connection.request.path.partition("?")
    match = BOARD_PATH.match(path)
    assert match is not None  # _check_path refused every other path
    peer = connection.remote_address[0] if connection.remote_address else None
    address = client_address(peer, connection.request.headers.get("X-Forwarded-For"))
    _forget_headers(connection)
    return sys.intern(match["code"]), query, address


def _forget_headers(connection: ServerConnection) -> None:
    """Let go of the handshake's headers, read by now: a viewer holds its connection for
    hours, and its request's and response's headers (a browser's User-Agent, cookies,
    languages; a dozen strings and two header maps) were a quarter of what it cost the
    server. The request itself stays (websockets' parser keeps a reference to it), with its
    path; its headers become one empty set shared by all. The response goes: nothing reads
    it after the handshake."""
    if connection.request is not None:
        connection.request.headers = _NO_HEADERS
    connection.response = None


def _since(query: str) -> int | None:
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        if name == "since":
            return parse_since(value)
    return None

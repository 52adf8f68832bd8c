"""Websocket channels. Each starts with a snapshot (or, given ``?since=SEQ``, the messages
missed since then when this process still has them) and then sends deltas; every message
carries the channel's ``seq`` and the ``prev`` it follows.

Signing in: ``Authorization: Bearer``, or the subprotocols ``gate.v1`` and ``bearer.<token>``
offered in ``Sec-WebSocket-Protocol`` (the server selects ``gate.v1`` and never echoes the
token: browsers cannot set headers on a websocket, and a URL ends up in logs), or the pages'
session cookie; ``?token=`` still works (redacted from logs, gate/logs.py) but is the
weakest. A signed-in stream closes with 4401 when its credential ends and 4403 when it no
longer allows the stream (gate/live/guard.py).

Websocket handlers open their own short database sessions (the request-scoped unit of work
commits on HTTP responses only) and hold none for the life of a connection."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response, WebSocket, get, websocket
from litestar.di import NamedDependency
from litestar.exceptions import WebSocketDisconnect
from litestar.params import FromPath
from litestar.types import Middleware

from gate.accounts.access import Ending, Grant
from gate.accounts.permissions import Action, at_gate, refusal
from gate.accounts.principal import EnterpriseKey, EnterpriseUser, Principal
from gate.authentication.service import authenticate
from gate.domain.errors import DomainError
from gate.domain.time import utc_now
from gate.gates.calendar import gate_by_code
from gate.live.channels import board_channel, enterprise_channel, officer_channel
from gate.live.messages import BEARER_SUBPROTOCOL, SUBPROTOCOL, PublicBoard, parse_since
from gate.live.projections import gate_state, public_board
from gate.store.faults import unavailability
from gate.store.unit_of_work import UnitOfWork
from services.common.caching import matches, not_modified, polled, weak_tag
from services.common.contract import documented
from services.common.session import session_token
from services.platform import Platform
from services.sockets import cap_websockets

# Every websocket route holds its client address to the platform's cap (services/sockets.py);
# a route's own middleware, not the app's, which would put a layer into every HTTP request
# (tests/unit/test_socket_caps.py checks that no websocket route of the app goes without).
CAPPED: list[Middleware] = [cap_websockets]

CLOSE_NOT_FOUND = 4404
CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403
# RFC 6455's registry (section 11.7): "Try Again Later", the websocket's 503.
CLOSE_TRY_AGAIN = 1013
_encoder = msgspec.json.Encoder()


@get(
    "/api/v1/gates/{code:str}/board",
    operation_id="getBoard",
    tags=["live"],
    **documented(
        "A gate's public board",
        answer=(200, PublicBoard, "The board now (ETag; 304 when unchanged; cacheable 1 s)"),
        problems=["not-found"],
    ),
)
async def get_board(
    request: Request[Any, Any, Any],
    code: FromPath[str],
    platform: NamedDependency[Platform],
) -> Response[bytes]:
    """The public board of a gate as JSON, computed from the database now (for polling; on
    the read replica when there is one). Its ETag names the version of the live board (the
    projector's sequence number, and the minute): a poller that sends it back in
    ``If-None-Match`` is answered 304, with no query, until the board changes."""
    etag = None
    if await platform.gate_id(code) is not None:
        # Read before the body is built: the body is then as new as its version, or newer.
        seq = platform.live.hub.version(board_channel(code))
        if seq is not None:
            etag = weak_tag(f"b{seq}-{platform.versions.time_key()}")
            if matches(request, etag):
                return not_modified(etag)
    now = utc_now()

    async def board(uow: UnitOfWork) -> PublicBoard:
        gate = await gate_by_code(uow, code)
        return await public_board(uow, await gate_state(uow, gate, now, platform.horizon), now)

    return polled(_encoder.encode(await platform.reads.run(board)), etag)


def _platform(socket: WebSocket[Any, Any, Any]) -> Platform:
    platform: Platform = socket.app.state.platform
    return platform


def _since(socket: WebSocket[Any, Any, Any]) -> int | None:
    return parse_since(socket.query_params.get("since"))


def _offered(socket: WebSocket[Any, Any, Any]) -> list[str]:
    return [str(p) for p in socket.scope.get("subprotocols") or []]


def _selected(socket: WebSocket[Any, Any, Any]) -> str | None:
    """``gate.v1`` when the client offered it (a browser that offered subprotocols drops a
    connection that selects none); never the bearer one."""
    return SUBPROTOCOL if SUBPROTOCOL in _offered(socket) else None


async def _principal(socket: WebSocket[Any, Any, Any]) -> Principal | None:
    """From ``Authorization: Bearer``, a ``bearer.<token>`` subprotocol, the ``token`` query
    parameter, or the pages' session cookie. A cookie counts only when the page that opened
    the socket is ours (Origin), or any site could open a socket in the name of a signed-in
    person."""
    header = socket.headers.get("authorization", "")
    token = header.partition(" ")[2].strip() if header.lower().startswith("bearer ") else None
    offered = [p for p in _offered(socket) if p.startswith(BEARER_SUBPROTOCOL)]
    token = token or (offered[0][len(BEARER_SUBPROTOCOL) :] if offered else None)
    token = token or socket.query_params.get("token")
    if not token and _same_origin(socket):
        token = session_token(socket)
    if not token:
        return None
    platform = _platform(socket)
    async with platform.unit_of_work(read_only=True) as uow:
        try:
            return await authenticate(uow, token, platform.admin_token.current())
        except DomainError:
            return None


def _same_origin(socket: WebSocket[Any, Any, Any]) -> bool:
    origin = socket.headers.get("origin") or ""
    host = socket.headers.get("host") or ""
    return bool(origin and host) and origin.split("://", 1)[-1] == host


async def _refuse(socket: WebSocket[Any, Any, Any], code: int, reason: str) -> None:
    # Accepted first so that the client gets the close code (4401, 4403, 4404) and its
    # reason, not a bare HTTP 403 from the handshake.
    await socket.accept(subprotocols=_selected(socket))
    await socket.close(code=code, reason=reason)


async def _serve(
    socket: WebSocket[Any, Any, Any], channel: str, grant: Grant | None = None
) -> None:
    """Send the channel to this socket until either side goes away, or until ``grant`` (what
    a signed-in stream was opened with) ends: then close with the guard's code and reason."""
    await socket.accept(subprotocols=_selected(socket))
    platform = _platform(socket)
    viewer, first = await platform.live.watch(channel, _since(socket))
    sender = asyncio.current_task()
    assert sender is not None
    ending: list[Ending] = []

    def end(why: Ending) -> None:
        # Called by the guard's task: the close is sent from this one, never beside a send.
        ending.append(why)
        sender.cancel()

    guard, ticket = platform.streams, None
    if guard is not None and grant is not None:
        ticket = guard.admit(grant, end)

    async def wait_for_close() -> None:
        # Viewers send nothing we need; reading is how a closed connection is noticed.
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                await socket.receive_data(mode="text")

    def stop_sending(_: asyncio.Task[None]) -> None:
        sender.cancel()

    receiver = asyncio.create_task(wait_for_close())
    receiver.add_done_callback(stop_sending)
    try:
        for text in first:
            await socket.send_text(text)
        while True:
            await socket.send_text(await viewer.next())
    except (asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError):
        pass
    finally:
        if guard is not None and ticket is not None:
            guard.release(ticket)
        viewer.close()
        # Unhooked first: the receiver's end must not cancel the close sent below.
        receiver.remove_done_callback(stop_sending)
        receiver.cancel()
    if ending:
        with contextlib.suppress(
            asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError
        ):
            await socket.close(code=ending[0].code, reason=ending[0].reason)


class _Refused(Exception):
    """A stream that is not opened, and the close code and reason the client is told."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


Admission = Callable[[], Awaitable[tuple[str, Grant | None]]]


async def _open(socket: WebSocket[Any, Any, Any], admit: Admission) -> None:
    """Serve the channel ``admit`` grants (with the grant a signed-in stream ends with), or
    refuse the socket saying why: 4401/4403/4404 as ``admit`` decides, 1013 when the database
    that signing in or finding the gate needs is unavailable, as HTTP answers 503 (it ended
    in an internal error, the socket refused with a bare 403)."""
    try:
        channel, grant = await admit()
    except _Refused as refused:
        await _refuse(socket, refused.code, refused.reason)
        return
    except Exception as error:
        kind = unavailability(error)
        if kind is None:
            raise
        await _refuse(socket, CLOSE_TRY_AGAIN, kind.description)
        return
    await _serve(socket, channel, grant)


async def _gate_id(socket: WebSocket[Any, Any, Any], code: str) -> str:
    gate_id = await _platform(socket).gate_id(code)
    if gate_id is None:
        raise _Refused(CLOSE_NOT_FOUND, "no such gate")
    return gate_id


async def _signed_in(socket: WebSocket[Any, Any, Any]) -> Principal:
    principal = await _principal(socket)
    if principal is None:
        raise _Refused(CLOSE_UNAUTHORISED, "sign in first")
    return principal


@websocket("/ws/v1/gates/{code:str}/board", middleware=CAPPED)
async def board_socket(socket: WebSocket[Any, Any, Any], code: FromPath[str]) -> None:
    """The public live board of a gate: no authentication, no personal data."""

    async def admit() -> tuple[str, Grant | None]:
        await _gate_id(socket, code)
        return board_channel(code), None

    await _open(socket, admit)


@websocket("/ws/v1/gates/{code:str}/officer", middleware=CAPPED)
async def officer_socket(socket: WebSocket[Any, Any, Any], code: FromPath[str]) -> None:
    """The queue and lanes of a gate for the officers who serve it."""

    async def admit() -> tuple[str, Grant | None]:
        gate_id = await _gate_id(socket, code)
        principal = await _signed_in(socket)
        if refusal(principal, Action.WATCH_OFFICER_STREAM, at_gate(gate_id)) is not None:
            raise _Refused(CLOSE_FORBIDDEN, "not an officer of this gate")
        return officer_channel(code), Grant.of(principal, gate_id)

    await _open(socket, admit)


@websocket("/ws/v1/enterprise/vehicles", middleware=CAPPED)
async def enterprise_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """An enterprise's own vehicles, with their places in the queue and forecast call times."""

    async def admit() -> tuple[str, Grant | None]:
        principal = await _signed_in(socket)
        if refusal(principal, Action.WATCH_ENTERPRISE_STREAM) is not None or not isinstance(
            principal, EnterpriseUser | EnterpriseKey
        ):
            raise _Refused(CLOSE_FORBIDDEN, "an enterprise's stream")
        return enterprise_channel(principal.enterprise_id), Grant.of(principal)

    await _open(socket, admit)

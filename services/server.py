"""The HTTP server `gate serve` runs: uvicorn, with the limits uvicorn lacks added to its
httptools protocol (docs/architecture.md, "Limits").

uvicorn (0.3x–0.5x) bounds idle keep-alive connections (``timeout_keep_alive``), the number
of connections (``limit_concurrency``: requests past it are answered 503), websocket
messages (``ws_max_size``) and the listen backlog, and, with h11 only, the size of an
incomplete request head. It has no timeout on reading a request: a client that sends its
headers a byte every few seconds, or its body, holds a connection (and its memory) forever,
and with httptools the head's size is not bounded either. ``GuardedHttpProtocol`` adds:

* a header timeout (``GATE_HEADER_TIMEOUT``), from the connection's first instant (or a
  keep-alive request's first byte) until its headers are complete: 408 and closed past it;
* a body timeout (``GATE_BODY_TIMEOUT``), from the headers until the body is complete; time
  while uvicorn itself paused reading (the application is slow to take the body) is the
  server's, not the client's, and does not count;
* ``MAX_HEAD_BYTES`` of request line and headers: 431 and closed past it;
* websocket upgrades held to ``limit_concurrency`` too (uvicorn checks plain requests only).

Answers are problem details, like every other refusal of the platform; the connection is
closed after them (the request was not read, so the connection cannot be reused)."""

from __future__ import annotations

import asyncio
import functools
from asyncio import TimerHandle
from http import HTTPStatus
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gate.config import Settings
from services.common.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES, problem_body

# The head of an API request is a few hundred bytes; h11's own default bound is 16 KiB.
MAX_HEAD_BYTES = 16 * 1024


@functools.cache
def _timeouts() -> tuple[float, float]:
    """(header, body) timeouts in seconds, read once per process: uvicorn builds the
    protocol from its class, in each worker, so the settings come from the environment."""
    settings = Settings.from_env()
    return settings.header_timeout_s, settings.body_timeout_s


def _answer(code: str, detail: str) -> bytes:
    kind = PROBLEM_TYPES[code]
    body = problem_body(code, detail, None)
    head = (
        f"HTTP/1.1 {kind.status} {HTTPStatus(kind.status).phrase}\r\n"
        f"content-type: {PROBLEM_MEDIA_TYPE}\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with header and body read timeouts and a bound on the
    request head (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout, self._body_timeout = _timeouts()
        self._deadline: TimerHandle | None = None
        self._reading_head = False
        self._head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._reading_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._reading_head and self._head_bytes > MAX_HEAD_BYTES:
            self._refuse("request-header-fields-too-large", "the request's headers are too large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._reading_head:
            self._start_head()

    def on_headers_complete(self) -> None:
        self._reading_head = False
        self._disarm()
        upgrade = self.parser.should_upgrade() and self._should_upgrade()
        if upgrade and self._over_connection_limit():
            self._refuse("service-unavailable", "the server holds all the connections it may")
            return
        super().on_headers_complete()
        if not upgrade:
            self._arm(self._body_timeout, self._body_too_slow)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def _over_connection_limit(self) -> bool:
        limit = self.limit_concurrency
        return limit is not None and len(self.connections) >= limit

    def _start_head(self) -> None:
        self._reading_head = True
        self._head_bytes = 0
        self._arm(self._header_timeout, self._head_too_slow)

    def _arm(self, seconds: float, callback: Any) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_too_slow(self) -> None:
        self._deadline = None
        self._refuse("request-timeout", "the request's headers did not arrive in time")

    def _body_too_slow(self) -> None:
        self._deadline = None
        if self.flow.read_paused:
            # uvicorn stopped reading until the application takes what it has: our wait.
            self._arm(self._body_timeout, self._body_too_slow)
            return
        self._refuse("request-timeout", "the request's body did not arrive in time")

    def _refuse(self, code: str, detail: str) -> None:
        self._reading_head = False
        self._disarm()
        if self.transport.is_closing():
            return
        # A response already under way on this connection cannot be cut into: just close.
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(_answer(code, detail))
        self.transport.close()


def server_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of ``uvicorn.run`` that carry the platform's limits."""
    return {
        "http": GuardedHttpProtocol,
        "limit_concurrency": settings.max_connections or None,
        "ws_max_size": settings.ws_max_message_bytes,
    }

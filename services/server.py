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
* websocket upgrades held to ``limit_concurrency`` too (uvicorn checks plain requests only);
* the security headers on every answer it writes itself (uvicorn's 503 included), which the
  app's hook never sees (``services/headers.py``).

Answers are problem details, like every other refusal of the platform; the connection is
closed after them (the request was not read, so the connection cannot be reused)."""

from __future__ import annotations

import asyncio
import functools
from asyncio import TimerHandle
from http import HTTPStatus
from typing import Any

from uvicorn._types import ASGI3Application, ASGIReceiveCallable, ASGISendCallable, Scope
from uvicorn.protocols.http.flow_control import service_unavailable
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from gate.config import Settings
from services import draining
from services.common.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES, problem_body
from services.headers import BARE_ANSWER_HEADERS

# The head of an API request is a few hundred bytes; h11's own default bound is 16 KiB.
MAX_HEAD_BYTES = 16 * 1024
WORKER_HEALTHCHECK_S = 60


@functools.cache
def _timeouts() -> tuple[float, float]:
    """(header, body) timeouts in seconds, read once per process: uvicorn builds the
    protocol from its class, in each worker, so the settings come from the environment."""
    settings = Settings.from_env()
    return settings.header_timeout_s, settings.body_timeout_s


def _headers(body: bytes) -> list[tuple[bytes, bytes]]:
    """The headers of a problem answer the server writes itself (no app to add them)."""
    headers = {
        "content-type": PROBLEM_MEDIA_TYPE,
        "content-length": str(len(body)),
        "connection": "close",
        **BARE_ANSWER_HEADERS,
    }
    return [(name.encode(), value.encode()) for name, value in headers.items()]


def _answer(code: str, detail: str) -> bytes:
    kind = PROBLEM_TYPES[code]
    body = problem_body(code, detail, None)
    head = f"HTTP/1.1 {kind.status} {HTTPStatus(kind.status).phrase}\r\n".encode()
    return (
        head
        + b"".join(name + b": " + value + b"\r\n" for name, value in _headers(body))
        + (b"\r\n" + body)
    )


FULL = "the server holds all the connections it may"


async def _server_full(scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    """uvicorn's answer to a request past ``limit_concurrency`` (its own is plain text without
    the security headers): a 503 problem like every other refusal of the platform."""
    body = problem_body("service-unavailable", FULL, None)
    await send({"type": "http.response.start", "status": 503, "headers": _headers(body)})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with header and body read timeouts and a bound on the
    request head (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout, self._body_timeout = _timeouts()
        self._deadline: TimerHandle | None = None
        self._reading_head = False
        # The next bytes start a request head (a new connection, or one whose last request
        # is complete): the bound is checked before the parser sees them.
        self._expect_head = True
        self._head_bytes = 0
        self._head_tail = b""
        # A request completed within the read being parsed: the next one starts mid-read,
        # where the count before parsing could not tell its head from the request before.
        self._completed_in_read = False
        self._head_counted = True  # this request's head was counted from its first byte

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def shutdown(self) -> None:
        # Called on every connection when the server begins to shut down: the first call
        # tells the platform (services/draining.py), before uvicorn waits for the answers.
        draining.begin()
        super().shutdown()

    def data_received(self, data: bytes) -> None:
        if self._reading_head or self._expect_head:
            # Checked before parsing: a head that arrives whole in one read is parsed, and its
            # request started, within this call; a check after it never saw one.
            if self._head_bytes + self._head_part(data) > MAX_HEAD_BYTES:
                self._refuse(
                    "request-header-fields-too-large", "the request's headers are too large"
                )
                return
            self._head_bytes += len(data)
            self._head_tail = (self._head_tail + data)[-3:]
        self._completed_in_read = False
        super().data_received(data)
        if self._reading_head and self._head_bytes > MAX_HEAD_BYTES:
            self._refuse("request-header-fields-too-large", "the request's headers are too large")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_counted = not self._completed_in_read
        if not self._reading_head:
            self._start_head()

    def on_headers_complete(self) -> None:
        self._reading_head = self._expect_head = False
        self._disarm()
        # A request pipelined behind another in one read started mid-read, where the count
        # before parsing could not tell its head from the request before: measured here from
        # what uvicorn gathered (request target and headers, each with its separators). Any
        # other request's head was counted before it was parsed: not again (every request
        # paid for this sum, issue 12's check-in benchmark).
        if not self._head_counted and self._pipelined_head() > MAX_HEAD_BYTES:
            self._refuse("request-header-fields-too-large", "the request's headers are too large")
            return
        upgrade = self.parser.should_upgrade() and self._should_upgrade()
        if upgrade and self._over_connection_limit():
            self._refuse("service-unavailable", FULL)
            return
        super().on_headers_complete()
        if not upgrade:
            self._arm(self._body_timeout, self._body_too_slow)

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()
        self._completed_in_read = True
        self._expect_head = True
        self._head_bytes = 0
        self._head_tail = b""

    def _pipelined_head(self) -> int:
        return len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)

    def _head_part(self, data: bytes) -> int:
        """How many bytes of ``data`` belong to the request head: up to its blank line when
        it ends in ``data`` (which may have begun in the last read), else all of them."""
        window = self._head_tail + data
        end = window.find(b"\r\n\r\n")
        return len(data) if end < 0 else end + 4 - len(self._head_tail)

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: ASGI3Application) -> None:
        # uvicorn picked its own 503 app for a request past the connection limit.
        super()._start_asgi_task(cycle, _server_full if app is service_unavailable else app)

    def _over_connection_limit(self) -> bool:
        limit = self.limit_concurrency
        return limit is not None and len(self.connections) >= limit

    def _start_head(self) -> None:
        if not self._expect_head:  # a pipelined request: its bytes were not counted before
            self._head_bytes = 0
            self._head_tail = b""
        self._reading_head = True
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
        # A response under way on this connection cannot be cut into: just close. (One
        # complete is the last request's, on a kept-alive connection.)
        cycle = self.cycle
        if cycle is None or not cycle.response_started or cycle.response_complete:
            self.transport.write(_answer(code, detail))
        self.transport.close()


def server_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of ``uvicorn.run`` that carry the platform's limits."""
    return {
        "http": GuardedHttpProtocol,
        "limit_concurrency": settings.max_connections or None,
        "ws_max_size": settings.ws_max_message_bytes,
        # Past it the requests still under way are cancelled; the check-ins still queued were
        # answered 503 a second before (services/app.py, _drain_check_ins).
        "timeout_graceful_shutdown": settings.shutdown_timeout_s,
        # How long uvicorn's supervisor (--workers N) waits for a worker's answer to its ping
        # before it kills and replaces it. Its default (5 s) counts the worker's start, whose
        # imports alone (the protocol class above is unpickled before the worker answers)
        # took longer on a busy 2-core machine: the workers were killed and replaced in a
        # loop, and `gate serve --workers 2` never served (seen 2026-11-30, load 24).
        "timeout_worker_healthcheck": WORKER_HEALTHCHECK_S,
    }

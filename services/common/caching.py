"""Answers that crowds poll (a gate's board, its free places, the list of gates): an ETag, a
short public Cache-Control, and 304 to a request whose ``If-None-Match`` names the current
version, decided before the body is built when the version is known without it.

Only for what is the same for everyone: the pages carry a token bound to their visitor
(services/web/csrf.py) and stay ``no-store``, and an answer to a request with a credential is
``no-store`` whatever its handler said, its ETag dropped (services/headers.py).

``max-age=1``: a proxy's micro-cache (and a CDN) answers a crowd from one request a second
per gate and address; ``stale-while-revalidate=2`` lets it answer from its copy while it
asks again; a poller's own cache asks again after a second, mostly to hear 304."""

from __future__ import annotations

import hashlib
from typing import Any

from litestar import Request, Response

POLLED = "public, max-age=1, stale-while-revalidate=2"
JSON = "application/json"


def weak_tag(version: str) -> str:
    """A weak ETag (RFC 9110, 8.8.3) for ``version`` (ASCII, no quote): the bodies of one
    version are the same data, not always the same bytes (built in another process, at
    another instant of the same version)."""
    return f'W/"{version}"'


def body_tag(body: bytes) -> str:
    """A strong ETag of ``body`` itself, for an answer with no cheaper version than its bytes."""
    return f'"{hashlib.sha256(body).hexdigest()[:24]}"'


def matches(request: Request[Any, Any, Any], etag: str) -> bool:
    """Whether the request's If-None-Match names ``etag``: its weak comparison (RFC 9110,
    13.1.2), over the list of tags it gives, or ``*``."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def not_modified(etag: str) -> Response[bytes]:
    """304 for ``etag``: no body, the headers a 200 would have carried for the cache."""
    return Response(b"", status_code=304, headers=_headers(etag))


def polled(body: bytes, etag: str | None) -> Response[bytes]:
    """200 with ``body`` (JSON), its ETag when known, and the polled answers' Cache-Control.
    No ``Vary``: these bodies are JSON in one language whatever the request's Accept or
    Accept-Language (a board carries both of a gate's names)."""
    return Response(body, media_type=JSON, headers=_headers(etag))


def _headers(etag: str | None) -> dict[str, str]:
    headers = {"cache-control": POLLED}
    if etag is not None:
        headers["etag"] = etag
    return headers

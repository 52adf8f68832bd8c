"""Security headers on every HTTP answer of the platform, set in one place: the app's edge
(services/edge.py, ``secured``), which sees every response start (pages, API, problem details,
static files, Litestar's own 404 and 405) whatever produced it.

* ``Content-Security-Policy``: scripts, styles, images and connections from this origin only
  (no inline script or style anywhere: the pages' words travel in JSON data blocks, their
  behaviour in ``frontend/static``), websockets to this origin and to the boards' broadcast
  server when it runs elsewhere, no framing (``frame-ancestors 'none'``, with the older
  ``X-Frame-Options: DENY`` for browsers before CSP 2), forms posting only here.
* ``X-Content-Type-Options: nosniff``; ``Referrer-Policy: strict-origin-when-cross-origin``
  (a booking's URL never leaves in a Referer, and forms keep their Origin header).
* ``Cache-Control: no-store`` on every answer to a request that carries a credential (a bearer
  token or our session cookie): personal data must not stay in a browser's or a proxy's cache.
  Its ETag is dropped too: no validator of a personal answer is kept anywhere. Anonymous
  answers say what their handler said (static files; the boards, the gates and their free
  places that crowds poll: briefly public, with an ETag, services/common/caching.py) or
  ``no-store`` too.
* ``Strict-Transport-Security`` when served over TLS.

What a server answers without the app (a request head too slow or too large, a process full,
the boards' server's 404 and 426) carries ``BARE_ANSWER_HEADERS``: the fixed ones, a CSP
that allows nothing, ``no-store``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from litestar.types import Scope

from services.common.session import SECURE_PREFIX, SESSION_COOKIE
from services.platform import Platform

# A Host header we would put into the CSP: a name or address and an optional port, no more.
_HOST = re.compile(r"^[A-Za-z0-9.\-\[\]:]{1,255}$")

FIXED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}
# Answers written by a server itself, outside the app (services/server.py's 408, 431 and 503;
# the boards' server's refusals): no page, so nothing to load and nothing to frame.
BARE_ANSWER_HEADERS = {
    **FIXED,
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "cache-control": "no-store",
}


def content_security_policy(platform: Platform, host: str | None) -> str:
    """The policy for an answer to a request made to ``host`` (its Host header)."""
    if platform.settings.boards_url:
        return _policy(platform.settings.boards_url)
    if platform.boards_port and host and _HOST.match(host):
        # The boards' server listens on another port of this host: another origin to CSP.
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return _policy(f"ws://{name}:{platform.boards_port} wss://{name}:{platform.boards_port}")
    return _policy(None)


@lru_cache(maxsize=64)  # built once per boards origin, not per answer (a check-in's too)
def _policy(boards: str | None) -> str:
    connect = ["'self'"] + ([boards] if boards else [])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src {' '.join(connect)}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def carries_credentials(authorization: bytes | None, cookies: bytes | None) -> bool:
    """A bearer token (any ``Authorization`` header that is not empty), or a session cookie
    of ours under either name in the request's first ``Cookie`` header."""
    if authorization:
        return True
    parts = (cookies or b"").decode("latin-1").split(";")
    names = {part.split("=", 1)[0].strip() for part in parts}
    return bool(names & {SESSION_COOKIE, SECURE_PREFIX + SESSION_COOKIE})


_FIXED_RAW = [(name.encode(), value.encode()) for name, value in FIXED.items()]
_CSP = b"content-security-policy"
_CACHE = b"cache-control"
_ETAG = b"etag"
_HSTS = (b"strict-transport-security", b"max-age=31536000")
_NO_STORE = b"no-store"
_ALWAYS_SET = frozenset({*(name for name, _ in _FIXED_RAW), _CSP})


def secured(
    headers: Iterable[tuple[bytes, bytes]],
    scope: Scope,
    host: bytes | None,
    credentials: bool,
    also: tuple[bytes, bytes],
) -> list[tuple[bytes, bytes]]:
    """An answer's ``headers`` (an ASGI response start's) with the ones above set, each once
    (a handler's own value of any of them replaced), and ``also`` (the request id) set too.

    ``host`` is the request's first Host header, ``credentials`` whether it carries one
    (``carries_credentials``). Cache-Control: ``no-store`` (and no ETag) with a credential;
    a static file's own; else the handler's first, or ``no-store``. Called by the edge
    (services/edge.py) on each response start, so it works on the raw header list: no
    header object, one pass over the answer's headers."""
    platform: Platform = scope["app"].state.platform
    replaced = set(_ALWAYS_SET)
    replaced.add(also[0])
    cache: bytes | None = None
    if credentials:
        replaced.update((_CACHE, _ETAG))
        cache = _NO_STORE
    elif not scope.get("path", "").startswith("/static/"):
        replaced.add(_CACHE)
    hsts = platform.settings.secure_cookies or scope.get("scheme") == "https"
    if hsts:
        replaced.add(_HSTS[0])
    kept = []
    handlers: list[bytes] = []  # the handler's Cache-Control values
    for header in headers:
        name = header[0].lower()
        if name not in replaced:
            kept.append(header)
        elif name == _CACHE:
            handlers.append(header[1])
    if cache is None and _CACHE in replaced:
        cache = (handlers[0] if handlers else b"") or _NO_STORE  # its first, as before
    kept += _FIXED_RAW
    policy = content_security_policy(platform, host.decode("latin-1") if host else None)
    kept.append((_CSP, policy.encode("latin-1")))
    if cache is not None:
        kept.append((_CACHE, cache))
    if hsts:
        kept.append(_HSTS)
    kept.append(also)
    return kept


__all__ = ["BARE_ANSWER_HEADERS", "carries_credentials", "content_security_policy", "secured"]

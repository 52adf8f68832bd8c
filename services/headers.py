"""Security headers on every HTTP answer of the platform, set in one place: the app's
``before_send`` hook, which sees every response start (pages, API, problem details, static
files, Litestar's own 404 and 405) whatever produced it.

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
from functools import lru_cache

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

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


def _request_header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def carries_credentials(scope: Scope) -> bool:
    """A bearer token, or a session cookie of ours under either name."""
    if _request_header(scope, b"authorization"):
        return True
    cookies = _request_header(scope, b"cookie") or ""
    names = {part.split("=", 1)[0].strip() for part in cookies.split(";")}
    return bool(names & {SESSION_COOKIE, SECURE_PREFIX + SESSION_COOKIE})


def _cache_control(scope: Scope, headers: MutableScopeHeaders) -> str | None:
    """What Cache-Control the answer gets (None: leave the handler's); an answer to a request
    with a credential loses its ETag."""
    if carries_credentials(scope):
        headers.pop("etag", None)
        return "no-store"
    if scope.get("path", "").startswith("/static/"):
        return None
    return headers.get("cache-control") or "no-store"


async def add_security_headers(message: Message, scope: Scope) -> None:
    """The app's ``before_send`` hook: adds the headers above to each response start."""
    if message["type"] != "http.response.start":
        return
    platform: Platform = scope["app"].state.platform
    headers = MutableScopeHeaders.from_message(message)
    for name, value in FIXED.items():
        headers[name] = value
    headers["content-security-policy"] = content_security_policy(
        platform, _request_header(scope, b"host")
    )
    if (cache := _cache_control(scope, headers)) is not None:
        headers["cache-control"] = cache
    if platform.settings.secure_cookies or scope.get("scheme") == "https":
        headers["strict-transport-security"] = "max-age=31536000"


__all__ = ["BARE_ANSWER_HEADERS", "add_security_headers", "content_security_policy"]

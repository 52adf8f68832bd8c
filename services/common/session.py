"""Browser sessions: the server-side session token in an HttpOnly, SameSite=Lax cookie;
signing out revokes it on the server.

Cookie names follow the connection: served over TLS (``GATE_SECURE_COOKIES`` behind a proxy
that terminates it, or an https/wss URL) every cookie of ours is ``__Host-``-prefixed and
Secure. The prefix makes the browser refuse the cookie unless it was set Secure, by this very
host, for path ``/``: a neighbouring subdomain or a plain-http man in the middle cannot plant
a session (or a pre-session, see ``services/web/csrf.py``) under that name. Plain names on
``http://127.0.0.1`` development, where a Secure cookie would not come back. Only the name of
the current mode is read: a plain-named cookie is ignored over TLS, since anyone could have set
it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie

from gate.accounts.principal import Principal
from gate.authentication.service import authenticate
from gate.domain.errors import DomainError
from services.platform import Platform

SESSION_COOKIE = "gate_session"
SECURE_PREFIX = "__Host-"

Connection = ASGIConnection[Any, Any, Any, Any]


def is_secure(connection: Connection) -> bool:
    """Whether this request or websocket reached us over TLS (or the settings say so)."""
    platform: Platform = connection.app.state.platform
    return platform.settings.secure_cookies or connection.url.scheme in ("https", "wss")


def cookie_name(connection: Connection, base: str) -> str:
    """``base`` as named on this connection: ``__Host-base`` over TLS, ``base`` otherwise."""
    return f"{SECURE_PREFIX}{base}" if is_secure(connection) else base


def read_cookie(connection: Connection, base: str) -> str | None:
    """The value of our cookie ``base`` under the name this connection uses."""
    return connection.cookies.get(cookie_name(connection, base))


def session_token(connection: Connection) -> str | None:
    """The session token the browser's cookie carries (HTTP or websocket), if well-formed."""
    token = read_cookie(connection, SESSION_COOKIE)
    return token if token and token.startswith("gs_") else None


async def browser_principal(
    request: Request[Any, Any, Any], platform: Platform
) -> Principal | None:
    """Who the browser's session cookie belongs to (in a short session of its own)."""
    token = session_token(request)
    if token is None:
        return None
    async with platform.unit_of_work(read_only=True) as uow:
        try:
            return await authenticate(uow, token, admin_token=None)
        except DomainError:
            return None


def browser_cookie(
    connection: Connection, base: str, value: str, max_age: int | None, httponly: bool = True
) -> Cookie:
    """Our cookie ``base`` for this connection: prefixed and Secure over TLS, path ``/``, no
    domain (both required by ``__Host-``), SameSite=Lax. ``max_age`` in seconds (None: until
    the browser closes)."""
    return Cookie(
        key=cookie_name(connection, base),
        value=value,
        max_age=max_age,
        httponly=httponly,
        secure=is_secure(connection),
        samesite="lax",
        path="/",
    )


def session_cookie(request: Request[Any, Any, Any], token: str, lifetime: timedelta) -> Cookie:
    return browser_cookie(request, SESSION_COOKIE, token, int(lifetime.total_seconds()))


def forget_session(request: Request[Any, Any, Any], response: Response[Any]) -> None:
    response.set_cookie(browser_cookie(request, SESSION_COOKIE, "", max_age=0))

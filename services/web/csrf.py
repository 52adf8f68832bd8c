"""CSRF tokens of the pages' forms, bound to the browser's session.

A form's token is ``HMAC-SHA256(GATE_SECRET_KEY, kind + cookie)`` of the cookie that
authenticates the browser: its session cookie once signed in, else a pre-session cookie (a
random value set with the first page rendered), so the sign-in and language forms are
protected too (login CSRF: another site signing the browser in as the attacker). Nothing is
stored: any process with the same secret computes the same token. A token taken from another
browser, or from this one before it signed in or out, is bound to another cookie and refused.
Another site can neither read the token (same-origin policy) nor set our cookies (HttpOnly,
SameSite=Lax, ``__Host-`` over TLS), so it cannot forge a post.

Checked in one place, ``check_csrf``, the web router's guard: every POST (any unsafe method)
to a page needs the token in the ``_csrf_token`` field or the ``X-CSRFToken`` header, or is
answered 403 before its handler runs. The API, websockets and devices take bearer tokens,
never cookies, so they need none. Replaces Litestar's double-submit cookie, whose token was
bound to nothing the server knows: a cookie planted by a subdomain with a matching field
passed it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from litestar.datastructures import Cookie
from litestar.handlers.base import BaseRouteHandler
from litestar.utils.scope.state import ScopeState

from gate.domain.errors import Forbidden
from services.common.session import Connection, browser_cookie, read_cookie, session_token
from services.platform import Platform

PRESESSION_COOKIE = "gate_presession"
FIELD = "_csrf_token"
HEADER = "x-csrftoken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _token(secret: str, kind: str, bound_to: str) -> str:
    mac = hmac.new(secret.encode(), f"{kind}\0{bound_to}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")


def _presession(connection: Connection) -> str | None:
    value = read_cookie(connection, PRESESSION_COOKIE)
    # Ours are 43 URL-safe characters; anything else is no pre-session of ours.
    return value if value and len(value) == 43 else None


def expected_token(connection: Connection) -> str | None:
    """The token this browser's forms must carry now; None when it holds neither cookie."""
    platform: Platform = connection.app.state.platform
    secret = platform.settings.secret_key
    if (session := session_token(connection)) is not None:
        return _token(secret, "session", session)
    if (presession := _presession(connection)) is not None:
        return _token(secret, "presession", presession)
    return None


def token_for_page(connection: Connection) -> tuple[str, Cookie | None]:
    """The token a page's forms get, and the pre-session cookie to set when the browser had
    none (its first page). The token is also put where Litestar's ``csrf_input`` and
    ``csrf_token()`` template helpers read it."""
    cookie = None
    token = expected_token(connection)
    if token is None:
        presession = secrets.token_urlsafe(32)
        # Until the browser closes: a sign-in form left open a day still works.
        cookie = browser_cookie(connection, PRESESSION_COOKIE, presession, max_age=None)
        platform: Platform = connection.app.state.platform
        token = _token(platform.settings.secret_key, "presession", presession)
    ScopeState.from_scope(connection.scope).csrf_token = token
    return token, cookie


async def check_csrf(connection: Connection, _: BaseRouteHandler) -> None:
    """The web router's guard: an unsafe request without this browser's token is refused
    with 403 (problem details) and reaches no handler. Raises Forbidden."""
    if connection.scope.get("method", "GET") in SAFE_METHODS:
        return
    expected = expected_token(connection)
    sent = connection.headers.get(HEADER)
    if not sent:
        request: Any = connection
        form = await request.form()
        sent = form.get(FIELD)
    if (
        expected is None
        or not isinstance(sent, str)
        or not hmac.compare_digest(sent.encode(), expected.encode())
    ):
        raise Forbidden("the form's security token is missing or belongs to another session")

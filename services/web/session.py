"""Browser sessions: the server-side session token in an HttpOnly, SameSite=Lax cookie
(Secure when served over TLS); signing out revokes it on the server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie

from gate.accounts.principal import Principal
from gate.accounts.service import authenticate
from gate.domain.errors import DomainError
from services.platform import Platform

SESSION_COOKIE = "gate_session"


def session_token(request: Request[Any, Any, Any]) -> str | None:
    token = request.cookies.get(SESSION_COOKIE)
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


def secure(request: Request[Any, Any, Any], platform: Platform) -> bool:
    return platform.settings.secure_cookies or request.url.scheme == "https"


def session_cookie(
    request: Request[Any, Any, Any], platform: Platform, token: str, lifetime: timedelta
) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        secure=secure(request, platform),
        samesite="lax",
        path="/",
    )


def forget_session(response: Response[Any]) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")

"""The rate limits at the edge: sign-in (API and the pages' form) and booking writes (API and
portal) go through here, so that every way in counts against the same limits
(``gate/throttling.py`` counts; docs/architecture.md, "Limits", says why so)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar.connection import ASGIConnection

from gate.accounts import service as accounts
from gate.store.tables import UserSession
from gate.store.unit_of_work import UnitOfWork
from services.platform import Platform


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The client's IP address: the peer's, or the one a trusted proxy in front named
    (uvicorn's ``proxy_headers``, trusting ``FORWARDED_ALLOW_IPS``, 127.0.0.1 by default)."""
    client = connection.client
    return client.host if client else None


async def throttled_sign_in(
    uow: UnitOfWork,
    platform: Platform,
    address: str | None,
    email: str,
    password: str,
    lifetime: timedelta,
) -> tuple[UserSession, str]:
    """``accounts.sign_in`` behind the sign-in limits: the attempt is counted first (so
    TooManyRequests comes before any password is checked); only failures count against the
    limits. Raises Unauthorised for a wrong e-mail or password."""
    await platform.throttles.sign_in_attempt(email, address)
    signed_in = await accounts.sign_in(uow, email, password, lifetime)
    await platform.throttles.signed_in(email, address)
    return signed_in


async def booking_write(platform: Platform, enterprise_id: str) -> None:
    """Count a booking write of ``enterprise_id``; TooManyRequests past
    GATE_BOOKING_WRITE_LIMIT. Called before the Idempotency-Key is claimed, so that a refusal
    is not stored as the key's answer: the retry after Retry-After is acted on."""
    await platform.throttles.booking_write(enterprise_id)

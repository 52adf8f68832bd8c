"""Links to the driver's page: made, listed and revoked by the booking's enterprise, and
resolved from the secret a driver's phone presents.

The secret is 32 random bytes, URL-safe base64 (43 characters); only its SHA-256 is stored
(``driver_links.token_hash``), so the database alone opens no page. It is answered once, to
the enterprise that made it. A link reaches its booking's page and that page's JSON, nothing
else: it is no session and sets no cookie. Making and revoking are audited in the gate's chain
(``driver_link.made`` / ``driver_link.revoked``, ids only).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from gate.bookings.service import gate_of, get_booking
from gate.bookings.transitions import event_fields
from gate.domain.driver import LinkGone, link_expiry
from gate.domain.errors import NotFound
from gate.domain.events import Actor, DriverLinkMade, DriverLinkRevoked
from gate.store.tables import Booking, DriverLink
from gate.store.unit_of_work import UnitOfWork

SECRET_BYTES = 32
# What token_urlsafe(32) makes: anything else is no link, and is not looked up.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def token_hash(token: str) -> str:
    """The SHA-256 (hex) a link's secret is stored as."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewLink:
    """A link just made: its row and its secret (answered once, never stored)."""

    link: DriverLink
    token: str


async def make_link(
    uow: UnitOfWork, enterprise_id: str, booking_id: str, now: datetime, actor: Actor
) -> NewLink:
    """A new link to the page of one of ``enterprise_id``'s bookings, expiring
    ``LINK_DAYS_AFTER_SLOT`` days after its hour (gate/domain/driver.py). NotFound for
    another enterprise's booking or none."""
    booking = await get_booking(uow, enterprise_id, booking_id)
    token = secrets.token_urlsafe(SECRET_BYTES)
    link = DriverLink(
        booking_id=booking.id,
        token_hash=token_hash(token),
        created_by=actor.id,
        expires_at=max(link_expiry(booking.slot_start), now),
    )
    uow.session.add(link)
    await uow.session.flush()
    gate = await gate_of(uow, booking)
    uow.record(
        DriverLinkMade(
            **event_fields(booking, gate),
            actor=actor,
            occurred_at=now,
            facts={"link_id": link.id, "expires_at": link.expires_at.isoformat()},
        )
    )
    return NewLink(link, token)


async def list_links(uow: UnitOfWork, enterprise_id: str, booking_id: str) -> list[DriverLink]:
    """Every link made for the enterprise's booking, newest first (revoked ones too)."""
    booking = await get_booking(uow, enterprise_id, booking_id)
    rows = await uow.session.scalars(
        select(DriverLink)
        .where(DriverLink.booking_id == booking.id)
        .order_by(DriverLink.created_at.desc(), DriverLink.id)
    )
    return list(rows)


async def revoke_link(
    uow: UnitOfWork,
    enterprise_id: str,
    booking_id: str,
    link_id: str,
    now: datetime,
    actor: Actor,
) -> DriverLink:
    """Revoke one link of the enterprise's booking: from the commit on it opens nothing.
    Revoking a revoked link changes nothing and records nothing. NotFound for a link of
    another booking or enterprise."""
    booking = await get_booking(uow, enterprise_id, booking_id)
    link = await uow.session.get(DriverLink, link_id, with_for_update=True)
    if link is None or link.booking_id != booking.id:
        raise NotFound("no such link")
    if link.revoked_at is None:
        link.revoked_at = now
        await uow.session.flush()
        gate = await gate_of(uow, booking)
        uow.record(
            DriverLinkRevoked(
                **event_fields(booking, gate),
                actor=actor,
                occurred_at=now,
                facts={"link_id": link.id},
            )
        )
    return link


async def booking_of_link(uow: UnitOfWork, token: str, now: datetime) -> Booking:
    """The booking a link's secret opens. NotFound for a secret that is no link (nothing
    is looked up for one of another shape); LinkGone (410) once revoked or expired."""
    if not TOKEN_SHAPE.fullmatch(token):
        raise NotFound("no such link")
    link = await uow.session.scalar(
        select(DriverLink).where(DriverLink.token_hash == token_hash(token))
    )
    if link is None:
        raise NotFound("no such link")
    if link.revoked_at is not None or link.expires_at <= now:
        raise LinkGone("this link was revoked or has expired; ask the enterprise for a new one")
    booking = await uow.session.get(Booking, link.booking_id)
    assert booking is not None  # a foreign key
    return booking

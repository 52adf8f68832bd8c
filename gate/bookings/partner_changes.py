"""The partner gate's announcements and withdrawals (gate/gates/partner.py), each followed in
the same transaction by fair rebooking of the hours whose bookable capacity it changed
(gate/bookings/rebooking.py; issue 18: "a partner capacity cut below the booked count moves
exactly the last-booked bookings"). Here and not in gate/gates/partner.py: the gates sit
below the bookings (pyproject.toml, the import floors). A withdrawal rebooks too: the
announcement beneath it may be lower than the one withdrawn.

As for our own changes (gate/bookings/calendar_changes.py), the rebooking runs after the
change has recorded its event, stamped no earlier than that (``max(now, utc_now())``), so the
capacity.changed webhook lists the bookings it moved."""

from __future__ import annotations

from datetime import datetime, timedelta

from gate.bookings.calendar_changes import Moves
from gate.bookings.rebooking import rebook_over_capacity
from gate.domain.events import Actor
from gate.domain.time import utc_now
from gate.gates import partner
from gate.gates.calendar import gate_by_code
from gate.gates.partner import Followed, NewAnnouncement
from gate.store.unit_of_work import UnitOfWork


async def announce(
    uow: UnitOfWork,
    code: str,
    new: NewAnnouncement,
    actor: Actor,
    *,
    now: datetime,
    horizon: timedelta,
) -> tuple[Followed, Moves]:
    """``partner.announce`` (its errors: NotFound, ValidationFailed, AlreadyExists), then the
    rebooking of the hours it lowered; a feed's retry (``replayed``) moves nothing."""
    done = await partner.announce(uow, code, new, actor, now)
    return done, await _rebook(uow, code, done, actor, now, horizon)


async def withdraw(
    uow: UnitOfWork,
    code: str,
    announcement_id: str,
    reason: str,
    actor: Actor,
    *,
    now: datetime,
    horizon: timedelta,
) -> tuple[Followed, Moves]:
    """``partner.withdraw`` (NotFound for another gate's or none), then the rebooking of its
    hours, which may now hold the lower capacity of an announcement beneath it."""
    done = await partner.withdraw(uow, code, announcement_id, reason, actor, now)
    return done, await _rebook(uow, code, done, actor, now, horizon)


async def _rebook(
    uow: UnitOfWork,
    code: str,
    done: Followed,
    actor: Actor,
    now: datetime,
    horizon: timedelta,
) -> Moves:
    if done.replayed or done.starts_at is None or done.ends_at is None:
        return Moves()
    made = await rebook_over_capacity(
        uow,
        await gate_by_code(uow, code),
        done.directions,
        done.starts_at,
        done.ends_at,
        now=max(now, utc_now()),
        actor=actor,
        horizon=horizon,
        cause="partner",
    )
    return Moves.of(made)

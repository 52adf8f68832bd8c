"""The enterprise's side of fair rebooking (issue 18): its latest acceptable time, and its
answer to a move of the gate, accept or choose another hour, while the move's window is
open (gate/domain/rebooking.py's ``answer_window``). Each is version-checked and audited;
the API makes them idempotent (services/api/bookings/rebooking.py)."""

from __future__ import annotations

from datetime import datetime

from gate.bookings.service import (
    BookingRules,
    gate_of,
    lock_booking,
    reschedule_booking,
)
from gate.bookings.transitions import event_fields
from gate.domain import bookings as rules
from gate.domain.bookings import BookingStatus
from gate.domain.errors import NotFound
from gate.domain.events import Actor, BookingEvent, BookingRebookingAccepted
from gate.domain.rebooking import check_answerable, check_latest_acceptable
from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork


async def _own_booked(
    uow: UnitOfWork, enterprise_id: str, booking_id: str, expected_version: int
) -> Booking:
    """The enterprise's booking, locked, at ``expected_version`` (VersionConflict) and still
    booked (InvalidTransition ``not-reschedulable``); NotFound for another's."""
    booking = await lock_booking(uow, booking_id)
    if booking is None or booking.enterprise_id != enterprise_id:
        raise NotFound("no such booking")
    rules.check_version(booking.version, expected_version)
    rules.check_can_reschedule(BookingStatus(booking.status))
    return booking


async def accept_rebooking(
    uow: UnitOfWork,
    enterprise_id: str,
    booking_id: str,
    expected_version: int,
    now: datetime,
    actor: Actor,
) -> Booking:
    """Accept the gate's move: the new hour stands and the window closes; version +1.
    InvalidTransition ``no-rebooking`` when no move waits, ``rebooking-closed`` after its
    window; VersionConflict for a stale version."""
    booking = await _own_booked(uow, enterprise_id, booking_id, expected_version)
    check_answerable(booking.rebooking_open_until, now)
    booking.rebooking_open_until = None
    booking.version += 1
    await uow.session.flush()
    uow.record(
        BookingRebookingAccepted(
            **event_fields(booking, await gate_of(uow, booking)),
            from_status=booking.status,
            to_status=booking.status,
            actor=actor,
        )
    )
    return booking


async def choose_after_rebooking(
    uow: UnitOfWork,
    enterprise_id: str,
    booking_id: str,
    slot_start: datetime,
    expected_version: int,
    at: BookingRules,
    actor: Actor,
) -> Booking:
    """Answer the gate's move by choosing another hour of the gate and direction: a
    reschedule (anywhere with room within the horizon, ``reschedule_booking``'s refusals)
    that closes the window. The refusals of ``accept_rebooking`` too."""
    booking = await _own_booked(uow, enterprise_id, booking_id, expected_version)
    check_answerable(booking.rebooking_open_until, at.now)
    booking = await reschedule_booking(
        uow, enterprise_id, booking_id, slot_start, expected_version, at, actor
    )
    booking.rebooking_open_until = None
    await uow.session.flush()
    return booking


async def set_latest_acceptable(
    uow: UnitOfWork,
    enterprise_id: str,
    booking_id: str,
    latest: datetime | None,
    expected_version: int,
    actor: Actor,
) -> Booking:
    """Change the latest hour start a move of the gate may take the booking to (None: any
    within the horizon), while it is booked; version +1, audited. ValidationFailed
    ``latest-before-slot`` for one before the booking's own hour."""
    booking = await _own_booked(uow, enterprise_id, booking_id, expected_version)
    booking.latest_acceptable_at = check_latest_acceptable(latest, booking.slot_start)
    booking.version += 1
    await uow.session.flush()
    stated = booking.latest_acceptable_at.isoformat() if booking.latest_acceptable_at else None
    uow.record(
        BookingEvent(
            **event_fields(booking, await gate_of(uow, booking)),
            from_status=booking.status,
            to_status=booking.status,
            actor=actor,
            reason="latest_acceptable_at",
            facts={"latest_acceptable_at": stated},
        )
    )
    return booking

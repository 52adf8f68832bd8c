"""Moving a booking through its state machine: one function, so every move is checked,
versioned, frees the plates (tractor and trailer) when the booking ends, and is recorded as
an audited event."""

from __future__ import annotations

from typing import Any

from gate.domain.bookings import BookingStatus, check_transition, is_active
from gate.domain.events import Actor, BookingEvent, Fact
from gate.store.booking_rows import AnyBooking
from gate.store.tables import Booking, Gate
from gate.store.unit_of_work import UnitOfWork


def event_fields(booking: AnyBooking, gate: Gate) -> dict[str, Any]:
    """What every booking event says about its booking (nothing personal)."""
    return {
        "booking_id": booking.id,
        "enterprise_id": booking.enterprise_id,
        "gate": gate.code,
        "gate_id": gate.id,
        "direction": booking.direction,
        "slot_start": booking.slot_start.isoformat(),
    }


def move(
    uow: UnitOfWork,
    booking: Booking,
    gate: Gate,
    target: BookingStatus,
    event: type[BookingEvent],
    actor: Actor,
    reason: str | None = None,
    facts: dict[str, Fact] | None = None,
) -> None:
    """Apply a legal transition to ``booking`` (InvalidTransition otherwise) and record it."""
    uow.record(transition(booking, gate, target, event, actor, reason, facts))


def transition(
    booking: AnyBooking,
    gate: Gate,
    target: BookingStatus,
    event: type[BookingEvent],
    actor: Actor,
    reason: str | None = None,
    facts: dict[str, Fact] | None = None,
) -> BookingEvent:
    """The same move, returning its event for the caller to record: the check-in decides a
    whole batch before it knows which of its moves will stand (a walk-in may find no room),
    on plain rows (``BookingRow``) that it writes back itself."""
    current = BookingStatus(booking.status)
    check_transition(current, target)
    booking.status = target.value
    booking.version += 1
    if not is_active(target):
        booking.active_plate = None
        booking.active_trailer_plate = None
    return event(
        **event_fields(booking, gate),
        from_status=current.value,
        to_status=target.value,
        actor=actor,
        reason=reason,
        facts=facts or {},
    )

"""The bookings a calendar change touched: those still to come at the gate, in a direction
and an hour it changed. What the capacity.changed webhooks list and whose enterprises'
users are told (gate/webhooks/, gate/messages/, docs/architecture.md "Webhooks")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from gate.domain.bookings import BookingStatus
from gate.domain.slots import Direction
from gate.domain.time import floor_to_slot
from gate.store.tables import Booking


@dataclass(frozen=True, slots=True)
class Touched:
    """What a ``gate.calendar_changed`` event touched: the gate's ``directions`` over the
    hours ``[starts_at, ends_at)`` (None: without a bound)."""

    gate_id: str
    directions: tuple[str, ...]
    starts_at: datetime | None
    ends_at: datetime | None

    @classmethod
    def of(cls, payload: dict[str, Any], gate_id: str) -> Touched:
        """From the event's ``payload`` (gate/domain/events.py, GateCalendarChanged). An event
        written before it said what it touched carries only the gate: every direction, every
        hour still to come."""
        directions = tuple(payload.get("directions") or (d.value for d in Direction))
        starts_at, ends_at = payload.get("starts_at"), payload.get("ends_at")
        return cls(
            gate_id=gate_id,
            directions=directions,
            starts_at=datetime.fromisoformat(starts_at) if starts_at else None,
            ends_at=datetime.fromisoformat(ends_at) if ends_at else None,
        )

    def bookings(self, changed_at: datetime) -> ColumnElement[bool]:
        """The condition on ``bookings`` of those the change made at ``changed_at`` touched:
        made before it (a booking made after was made under the new capacity, however late
        the event is expanded), still to come (booked: a truck in the yard is past its
        hour's capacity), in a touched direction and an hour from ``changed_at``'s own on;
        or moved out of such an hour by the fair rebooking that followed the change
        (gate/bookings/rebooking.py: ``rebooked_from``, at or after the change), listed at
        their new hour."""
        first = floor_to_slot(changed_at)
        if self.starts_at is not None and self.starts_at > first:
            first = self.starts_at
        held = Booking.slot_start >= first
        moved = and_(Booking.rebooked_from >= first, Booking.rebooked_at >= changed_at)
        if self.ends_at is not None:
            held = and_(held, Booking.slot_start < self.ends_at)
            moved = and_(moved, Booking.rebooked_from < self.ends_at)
        return and_(
            Booking.gate_id == self.gate_id,
            Booking.direction.in_(self.directions),
            Booking.status == BookingStatus.BOOKED.value,
            Booking.created_at <= changed_at,
            or_(held, moved),
        )

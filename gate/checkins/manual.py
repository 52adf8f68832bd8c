"""Officers checking a truck in by hand (ghi nhận thủ công): the truck a camera could not tell
from others (a pending read), or one the officer reads themselves. It goes through the same
judging as a camera's read, so on-time, late, walk-in and refusal rules hold; the audit log
names the officer as the actor and marks the arrival ``manual``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from gate.checkins.answers import CheckinAnswer
from gate.checkins.reads import DeviceEvent, Reader
from gate.checkins.service import decide
from gate.domain.checkin import CheckinOutcome
from gate.domain.errors import Conflict, NotFound, ValidationFailed
from gate.domain.events import Actor
from gate.gates.calendar import parse_direction
from gate.store.tables import Booking, Gate, PendingRead
from gate.store.types import new_id
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class ManualCheckin:
    """Which truck: a booking (one of a pending read's candidates, or any of the gate's), or
    a plate as the officer reads it; ``direction`` is the yard's, for a walk-in."""

    direction: str | None = None
    booking_id: str | None = None
    plate: str | None = None
    trailer_plate: str | None = None
    pending_read_id: str | None = None


async def check_in_by_hand(
    uow: UnitOfWork, gate: Gate, request: ManualCheckin, actor: Actor, now: datetime
) -> CheckinAnswer:
    """Check a truck in as an officer. A pending read's truck is judged at the time the camera
    saw it, any other at ``now``. NotFound for a booking or pending read of another gate,
    Conflict for a pending read already settled or a booking that is not one of its
    candidates, ValidationFailed when neither a booking nor a plate is given."""
    observed, direction = now, request.direction
    pending = None
    if request.pending_read_id is not None:
        pending = await uow.session.scalar(
            select(PendingRead).where(PendingRead.id == request.pending_read_id).with_for_update()
        )
        if pending is None or pending.gate_id != gate.id:
            raise NotFound("no such pending read at this gate")
        if pending.resolved_at is not None:
            raise Conflict("an officer settled that read already")
        if request.booking_id not in pending.candidates:
            raise Conflict("that truck is not one the read may be")
        observed, direction = pending.observed_at, pending.direction
    code = None
    if request.booking_id is not None:
        booking = await uow.session.get(Booking, request.booking_id)
        if booking is None or booking.gate_id != gate.id:
            raise NotFound("no such vehicle at this gate")
        code = booking.code
    elif not request.plate:
        raise ValidationFailed("give the booking or the plate", field="plate")
    if direction is not None:
        direction = parse_direction(direction).value  # the walk-in's yard: one of the two
    # The trailer the officer sees goes with the booking or the plate, as a camera's would:
    # another than declared is admitted and flagged.
    event = DeviceEvent(
        f"manual-{new_id()}",
        observed,
        plate=None if code else request.plate,
        booking_code=code,
        trailer_plate=request.trailer_plate,
    )
    reader = Reader(actor.id or "officer", direction, actor, by_hand=True)
    (decided,) = await decide(uow, gate, [(reader, event)])
    if pending is not None and decided.answer.outcome is not CheckinOutcome.REFUSED:
        pending.resolved_at, pending.resolved_by = now, actor.id
        pending.booking_id = None if decided.booking is None else decided.booking.id
        await uow.session.flush()
    return decided.answer

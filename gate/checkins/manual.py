"""Officers checking a truck in by hand (ghi nhận thủ công): the truck a camera could not tell
from others (a pending read), or one the officer reads themselves. It goes through the same
judging as a camera's read, so on-time, late, walk-in and refusal rules hold; the audit log
names the officer as the actor and marks the arrival ``manual``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import select

from gate.checkins.answers import CheckinAnswer
from gate.checkins.reads import DeviceEvent, Reader
from gate.checkins.service import decide
from gate.domain.checkin import CheckinOutcome
from gate.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from gate.domain.events import Actor
from gate.gates.calendar import parse_direction
from gate.request_ids import current_request_id
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
        raise ValidationFailed(
            "give the booking or the plate", why="booking-or-plate", field="plate"
        )
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


class ByHand(msgspec.Struct, array_like=True, frozen=True):
    """An officer's check-in by hand as the gate's pipeline takes it (and the relay carries it
    to the gate's lease holder, gate/checkins/relay.py): who, which truck, when it was asked
    (``now``, UTC), and the request's Idempotency-Key (``owner``, ``key``; None: none sent)
    with the request's ``fingerprint`` (services/common/idempotency.py); ``request_id``: the
    request that asked it (gate/request_ids.py), by default the current one, bound while the
    gate's loop decides it (the loop runs in a context of its own, docs/architecture.md,
    "Request ids")."""

    actor_kind: str
    actor_id: str | None
    actor_role: str | None
    wanted: ManualCheckin
    now: datetime
    owner: str | None = None
    key: str | None = None
    fingerprint: str = ""
    # Last and optional: a peer of the release before sends none.
    request_id: str | None = msgspec.field(default_factory=current_request_id)

    @property
    def actor(self) -> Actor:
        return Actor(self.actor_kind, self.actor_id, self.actor_role)


class ByHandReply(msgspec.Struct, array_like=True, frozen=True):
    """What deciding a ``ByHand`` came to: the HTTP answer (``status``, ``body``: the check-in
    answer's JSON, or the problem stored for its Idempotency-Key; ``replayed``: a retry's
    stored answer), or, for a request sent without a key, the refusal to raise at the
    requester (``refused``: the DomainError's code, with its ``detail`` and ``extensions``),
    so it is answered there exactly as if it had been decided there."""

    status: int = 200
    body: bytes = b""
    replayed: bool = False
    refused: str = ""
    detail: str = ""
    extensions: dict[str, Any] = msgspec.field(default_factory=dict)

    @classmethod
    def refusal(cls, error: DomainError) -> ByHandReply:
        return cls(refused=error.code, detail=error.detail, extensions=error.extensions)

    def error(self) -> DomainError | None:
        """The refusal as the DomainError it was (its own class, found by its code)."""
        if not self.refused:
            return None
        kind = _error_class(self.refused) or DomainError
        return kind(self.detail, **self.extensions)


def _error_class(code: str) -> type[DomainError] | None:
    waiting = list(DomainError.__subclasses__())
    while waiting:
        kind = waiting.pop(0)
        if kind.code == code:
            return kind
        waiting += kind.__subclasses__()
    return None

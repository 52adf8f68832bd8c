"""Checking a vehicle in from a device event: idempotent per (device, event_id), judged by the
time the device observed the vehicle, and answered with the vehicle's place in the queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from gate.bookings.transitions import event_fields, move
from gate.domain import bookings as booking_rules
from gate.domain.bookings import BookingStatus
from gate.domain.checkin import (
    CheckinOutcome,
    GraceWindow,
    RefusalReason,
    judge_arrival,
    no_show_deadline,
    walk_in_slot,
)
from gate.domain.errors import InvalidPlate, SlotClosed, SlotFull
from gate.domain.events import Actor, BookingCreated, BookingLapsed, VehicleArrived
from gate.domain.plates import mask_plate, parse_plate
from gate.domain.queue import QueueClass
from gate.domain.slots import Direction
from gate.domain.time import as_local
from gate.gates.slots import ensure_slot, release_place, take_place
from gate.queue.service import place_in_queue, predicted_call_at
from gate.store.tables import Booking, CheckinRecord, Device, Enterprise, Gate
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """What a camera or kiosk reports: a plate as read, or a booking code, and when."""

    event_id: str
    observed_at: datetime
    plate: str | None = None
    booking_code: str | None = None


class CheckinAnswer(msgspec.Struct, omit_defaults=False):
    """The device's answer. Shown on a kiosk screen or a yard LED board: the plate is masked."""

    event_id: str
    outcome: CheckinOutcome
    refusal: RefusalReason | None = None
    booking_code: str | None = None
    plate: str | None = None
    direction: str | None = None
    slot_start: datetime | None = None
    queue_class: str | None = None
    queue_position: int | None = None
    detail: str | None = None


_encoder = msgspec.json.Encoder()


def grace_of(gate: Gate) -> GraceWindow:
    return GraceWindow(
        early=timedelta(minutes=gate.grace_early_minutes),
        late=timedelta(minutes=gate.grace_late_minutes),
    )


async def check_in(
    uow: UnitOfWork, gate: Gate, device: Device, event: DeviceEvent
) -> tuple[bytes, bool]:
    """Act on one device event; returns the encoded answer and whether it is a replay."""
    stored = await _claim(uow, device.id, event)
    if stored is not None:
        return stored, True
    actor = Actor("device", device.id, device.kind)
    async with uow.savepoint():
        answer, booking_id = await _judge(uow, gate, device, event, actor)
    encoded = _encoder.encode(answer)
    record = await uow.session.get(CheckinRecord, (device.id, event.event_id))
    assert record is not None
    record.outcome, record.booking_id, record.answer = answer.outcome.value, booking_id, encoded
    await uow.session.flush()
    return encoded, False


async def _claim(uow: UnitOfWork, device_id: str, event: DeviceEvent) -> bytes | None:
    """Claim the event id; a replay (concurrent ones wait for the first) gets the stored answer."""
    dialect = uow.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    claimed = await uow.session.execute(
        insert(CheckinRecord)
        .values(
            device_id=device_id,
            event_id=event.event_id,
            outcome="pending",
            observed_at=event.observed_at,
            answer=b"",
        )
        .on_conflict_do_nothing(index_elements=["device_id", "event_id"])
        .returning(CheckinRecord.event_id)
    )
    if claimed.first() is not None:
        return None
    answer = await uow.session.scalar(
        select(CheckinRecord.answer).where(
            CheckinRecord.device_id == device_id, CheckinRecord.event_id == event.event_id
        )
    )
    assert answer is not None
    return answer


async def _judge(
    uow: UnitOfWork, gate: Gate, device: Device, event: DeviceEvent, actor: Actor
) -> tuple[CheckinAnswer, str | None]:
    def refused(reason: RefusalReason, detail: str) -> tuple[CheckinAnswer, None]:
        return CheckinAnswer(event.event_id, CheckinOutcome.REFUSED, reason, detail=detail), None

    if event.booking_code is not None:
        booking = await _locked(uow, Booking.code == event.booking_code.strip().upper())
        if booking is None:
            return refused(RefusalReason.UNKNOWN_BOOKING_CODE, "no booking has that code")
        plate = booking.plate
    else:
        try:
            plate = parse_plate(event.plate or "").normalised
        except InvalidPlate:
            return refused(RefusalReason.UNREADABLE_PLATE, "the plate read is not a plate")
        booking = await _locked(uow, Booking.active_plate == plate)

    if booking is not None:
        if booking.gate_id != gate.id:
            return refused(RefusalReason.WRONG_GATE, "the vehicle is booked at another gate")
        if device.direction is not None and booking.direction != device.direction:
            return refused(RefusalReason.WRONG_DIRECTION, f"booked for {booking.direction}")
        status = BookingStatus(booking.status)
        if status is BookingStatus.BOOKED:
            if event.observed_at >= no_show_deadline(booking.slot_start, grace_of(gate)):
                # Too late for its booking: the place goes back, and it may come in as walk-in.
                await release_place(uow, booking.slot_id)
                move(
                    uow,
                    booking,
                    gate,
                    BookingStatus.NO_SHOW,
                    BookingLapsed,
                    actor,
                    reason="arrived after the no-show deadline",
                )
                await uow.session.flush()
                booking = None
            else:
                return await _arrive(uow, gate, booking, event, actor)
        elif booking_rules.is_active(status):
            position = await place_in_queue(uow, gate, booking)
            return _answer(event, CheckinOutcome.ALREADY_IN_YARD, booking, position), booking.id
        else:
            return refused(RefusalReason.BOOKING_NOT_ACTIVE, f"the booking is {status.value}")
    if event.booking_code is not None:
        return refused(RefusalReason.BOOKING_NOT_ACTIVE, "the booking is no longer active")
    return await _walk_in(uow, gate, device, event, plate, actor)


async def _arrive(
    uow: UnitOfWork, gate: Gate, booking: Booking, event: DeviceEvent, actor: Actor
) -> tuple[CheckinAnswer, str | None]:
    judgement = judge_arrival(event.observed_at, booking.slot_start, grace_of(gate))
    if not judgement.admitted:
        answer = CheckinAnswer(
            event.event_id,
            judgement.outcome,
            judgement.refusal,
            booking_code=booking.code,
            plate=mask_plate(booking.plate),
            slot_start=as_local(booking.slot_start),
            detail="come back within the grace window of your slot",
        )
        return answer, booking.id
    queue_class = await _queue_class(uow, booking)
    return await _admit(
        uow, gate, booking, event, actor, judgement.outcome, queue_class, behind=judgement.behind
    )


async def _admit(
    uow: UnitOfWork,
    gate: Gate,
    booking: Booking,
    event: DeviceEvent,
    actor: Actor,
    outcome: CheckinOutcome,
    queue_class: QueueClass,
    behind: bool,
) -> tuple[CheckinAnswer, str | None]:
    """Put the vehicle in the yard queue and answer with its place."""
    booking.arrived_at = event.observed_at
    booking.queue_class = queue_class.value
    booking.queue_behind = behind
    move(
        uow,
        booking,
        gate,
        BookingStatus.ARRIVED,
        VehicleArrived,
        actor,
        facts={"outcome": outcome.value, "queue_class": queue_class.value},
    )
    await uow.session.flush()
    position = await place_in_queue(uow, gate, booking)
    if position is not None:
        booking.predicted_call_at = await predicted_call_at(uow, gate, booking, position)
    return _answer(event, outcome, booking, position), booking.id


async def _walk_in(
    uow: UnitOfWork, gate: Gate, device: Device, event: DeviceEvent, plate: str, actor: Actor
) -> tuple[CheckinAnswer, str | None]:
    refusal = CheckinAnswer(event.event_id, CheckinOutcome.REFUSED, plate=mask_plate(plate))
    if device.direction is None:
        return _with(
            refusal,
            RefusalReason.NO_DIRECTION_FOR_WALK_IN,
            "no booking; check in at a camera of your direction's yard",
        ), None
    direction = Direction(device.direction)
    start = walk_in_slot(event.observed_at)
    try:
        async with uow.savepoint():
            slot_id = await ensure_slot(uow, gate, direction, start)
            booking = Booking(
                code=booking_rules.new_booking_code(),
                enterprise_id=None,
                gate_id=gate.id,
                direction=direction.value,
                slot_id=slot_id,
                slot_start=start,
                plate=plate,
                active_plate=plate,
                status=BookingStatus.BOOKED.value,
                version=1,
                walk_in=True,
            )
            uow.session.add(booking)
            await uow.session.flush()
            uow.record(
                BookingCreated(
                    **event_fields(booking, gate),
                    to_status="booked",
                    actor=actor,
                    facts={"walk_in": True},
                )
            )
            # Undeclared cargo and no booking: the live queue, behind every booked vehicle.
            answer = await _admit(
                uow,
                gate,
                booking,
                event,
                actor,
                CheckinOutcome.WALK_IN,
                QueueClass.REGULAR,
                behind=True,
            )
            # The place is taken last: the slot's row stays locked from here to the commit
            # only, so concurrent walk-ins into one hour wait for each other as briefly as
            # possible. A full hour undoes the whole walk-in (the savepoint).
            await take_place(uow, slot_id)
    except (SlotFull, SlotClosed):
        return _with(
            refusal,
            RefusalReason.NO_ROOM_FOR_WALK_IN,
            "no booking and this hour is full; book a slot",
        ), None
    except IntegrityError:
        # Another read of the same truck won the race; this read changes nothing.
        existing = await _locked(uow, Booking.active_plate == plate)
        assert existing is not None
        position = await place_in_queue(uow, gate, existing)
        return _answer(event, CheckinOutcome.ALREADY_IN_YARD, existing, position), existing.id
    return answer


async def _queue_class(uow: UnitOfWork, booking: Booking) -> QueueClass:
    if booking.perishable:
        return QueueClass.PERISHABLE
    if booking.enterprise_id is not None:
        enterprise = await uow.session.get(Enterprise, booking.enterprise_id)
        if enterprise is not None and enterprise.is_aeo:
            return QueueClass.AEO
    return QueueClass.REGULAR


async def _locked(uow: UnitOfWork, condition: object) -> Booking | None:
    # The row lock makes two devices reading one truck at once take turns (PostgreSQL;
    # SQLite serialises writers anyway).
    query = select(Booking).where(condition).with_for_update()  # type: ignore[arg-type]
    return await uow.session.scalar(query.execution_options(populate_existing=True))


def _answer(
    event: DeviceEvent, outcome: CheckinOutcome, booking: Booking, position: int | None
) -> CheckinAnswer:
    return CheckinAnswer(
        event.event_id,
        outcome,
        booking_code=booking.code,
        plate=mask_plate(booking.plate),
        direction=booking.direction,
        slot_start=as_local(booking.slot_start),
        queue_class=booking.queue_class,
        queue_position=position,
    )


def _with(answer: CheckinAnswer, reason: RefusalReason, detail: str) -> CheckinAnswer:
    return msgspec.structs.replace(answer, refusal=reason, detail=detail)

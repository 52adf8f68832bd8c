"""Judging a batch of device events against the bookings they name, in memory.

The check-in service loads every booking a batch can touch in one statement; this module
then decides each event in order, as if they had come one by one: a truck read twice in one
batch is checked in by the first read and found in the yard by the second. What needs the
database afterwards (a place in the hour for a walk-in, the place in the queue) is left as
a question on the event, answered by the service and written into the answer at the end.
Which booking a plate read names (either plate of the truck, a misread resolved) is
``gate.checkins.matching``'s part.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from gate.bookings.transitions import event_fields, transition
from gate.checkins.matching import Known, Match, masked_read, match_read, read_trailer
from gate.domain import bookings as booking_rules
from gate.domain.bookings import BookingStatus
from gate.domain.checkin import (
    CheckinOutcome,
    RefusalReason,
    judge_arrival,
    no_show_deadline,
    walk_in_slot,
)
from gate.domain.events import (
    Actor,
    BookingCreated,
    BookingEvent,
    BookingLapsed,
    Fact,
    VehicleArrived,
)
from gate.domain.plate_reads import fold, readings
from gate.domain.plates import mask_plate, parse_plate
from gate.domain.queue import QueueClass
from gate.domain.time import as_local
from gate.gates.grace import grace_of
from gate.store.tables import Booking, Device, Gate
from gate.store.types import new_id


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """What a camera or kiosk reports: a plate as read, or a booking code, and when; a camera
    that reads the trailer too sends its plate as ``trailer_plate``."""

    event_id: str
    observed_at: datetime
    plate: str | None = None
    booking_code: str | None = None
    trailer_plate: str | None = None


@dataclass(frozen=True, slots=True)
class Reader:
    """Who read the truck: a gate device, or an officer checking a truck in by hand (who
    types what they see, so no misread is guessed at, and whose arrivals are marked
    ``manual`` in the audit log)."""

    id: str
    direction: str | None
    actor: Actor
    by_hand: bool = False

    @classmethod
    def of(cls, device: Device) -> Reader:
        return cls(device.id, device.direction, Actor("device", device.id, device.kind))


class CheckinAnswer(msgspec.Struct, omit_defaults=False):
    """The device's answer. Shown on a kiosk screen or a yard LED board: plates are masked,
    ``corrected_from`` too (the read as the camera spelled it, when it named another plate)."""

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
    corrected_from: str | None = None


@dataclass(eq=False)
class WalkIn:
    """A vehicle without booking that asks for a place in the hour it came in."""

    booking: Booking  # not stored until the hour is known to have room
    direction: str
    slot_start: datetime
    events: list[BookingEvent]
    granted: bool = False


@dataclass(eq=False)
class Judged:
    """One event's verdict. ``answer`` is final unless the event waits for a walk-in's place
    (``walk_in``, or ``same_truck_as`` for a second read of one) or for its queue place."""

    reader: Reader
    event: DeviceEvent
    answer: CheckinAnswer
    booking: Booking | None = None
    events: list[BookingEvent] = field(default_factory=list)
    released_slot: str | None = None  # a lapsed booking's place, given back
    walk_in: WalkIn | None = None
    same_truck_as: Judged | None = None
    admitted: bool = False  # arrived in this batch: its call gets a forecast
    corrected_from: str | None = None  # the masked read, when it named another plate
    candidates: tuple[Booking, ...] = ()  # NEEDS_CONFIRMATION: the trucks it may be
    facts: dict[str, Fact] = field(default_factory=dict)  # for the arrival's audit entry

    @property
    def wants_place(self) -> bool:
        return self.booking is not None and self.answer.outcome is not CheckinOutcome.REFUSED


def wanted_plates_and_codes(events: list[DeviceEvent]) -> tuple[set[str], set[str]]:
    """What to load: every plate a read (of a tractor or a trailer) can stand for by the
    grammar, and the booking codes shown. An unreadable plate adds nothing (refused later)."""
    plates: set[str] = set()
    codes: set[str] = set()
    for event in events:
        if event.booking_code is not None:
            codes.add(normalise_code(event.booking_code))
        else:
            plates |= readings(event.plate or "")
        if event.trailer_plate is not None:
            plates |= readings(event.trailer_plate)
    return plates, codes


def normalise_code(code: str) -> str:
    return code.strip().upper()


def judge(gate: Gate, reader: Reader, event: DeviceEvent, known: Known) -> Judged:
    """Decide one event as if it came alone, after the ones before it in the batch."""
    verdict = Judged(reader, event, CheckinAnswer(event.event_id, CheckinOutcome.REFUSED))
    if reader.by_hand:
        verdict.facts["manual"] = True

    def refused(reason: RefusalReason, detail: str, plate: str | None = None) -> Judged:
        verdict.answer = CheckinAnswer(
            event.event_id, CheckinOutcome.REFUSED, reason, plate=plate, detail=detail
        )
        return verdict

    if event.booking_code is not None:
        booking = known.by_code.get(normalise_code(event.booking_code))
        if booking is None:
            return refused(RefusalReason.UNKNOWN_BOOKING_CODE, "no booking has that code")
        plate = booking.plate
    else:
        match = match_read(event.plate or "", reader.direction, known, not reader.by_hand)
        if match.corrected:
            verdict.corrected_from = masked_read(event.plate or "")
            verdict.facts["read_corrected"] = True
        if match.candidates:
            return _needs_confirmation(verdict, match)
        if match.plate is None:
            return refused(RefusalReason.UNREADABLE_PLATE, "the plate read is not a plate")
        plate, booking = match.plate, match.booking
        first_read = known.walk_ins.get(plate)
        if booking is None and first_read is not None:
            # The same walk-in truck read again within this batch: its fate is the first read's.
            verdict.same_truck_as = first_read
            return verdict

    if booking is not None:
        if booking.gate_id != gate.id:
            return refused(RefusalReason.WRONG_GATE, "the vehicle is booked at another gate")
        if reader.direction is not None and booking.direction != reader.direction:
            return refused(RefusalReason.WRONG_DIRECTION, f"booked for {booking.direction}")
        status = BookingStatus(booking.status)
        if status is BookingStatus.BOOKED:
            if event.observed_at < no_show_deadline(booking.slot_start, grace_of(gate)):
                return _arrive(gate, booking, verdict, known)
            # Too late for its booking: the place goes back, and it may come in as walk-in.
            verdict.released_slot = booking.slot_id
            verdict.events.append(
                transition(
                    booking,
                    gate,
                    BookingStatus.NO_SHOW,
                    BookingLapsed,
                    reader.actor,
                    reason="arrived after the no-show deadline",
                )
            )
            known.forget(booking)
            plate = booking.plate  # read by either plate, the truck may come in as a walk-in
        elif booking_rules.is_active(status):
            verdict.booking = booking
            verdict.answer = answer_for(event, CheckinOutcome.ALREADY_IN_YARD, booking)
            return verdict
        else:
            return refused(RefusalReason.BOOKING_NOT_ACTIVE, f"the booking is {status.value}")
    if event.booking_code is not None:
        return refused(RefusalReason.BOOKING_NOT_ACTIVE, "the booking is no longer active")
    if parse_plate(plate).is_trailer:
        return refused(
            RefusalReason.TRAILER_WITHOUT_TRUCK,
            "a trailer plate with no booking: read the tractor's plate",
            plate=mask_plate(plate),
        )
    if reader.direction is None:
        return refused(
            RefusalReason.NO_DIRECTION_FOR_WALK_IN,
            "no booking; check in at a camera of your direction's yard",
            plate=mask_plate(plate),
        )
    return _walk_in(gate, reader.direction, plate, verdict, known)


def _needs_confirmation(verdict: Judged, match: Match) -> Judged:
    """Several expected trucks fit the read: an officer settles it, nobody is checked in."""
    verdict.candidates = match.candidates
    verdict.answer = CheckinAnswer(
        verdict.event.event_id,
        CheckinOutcome.NEEDS_CONFIRMATION,
        plate=masked_read(verdict.event.plate or ""),
        detail="the plate read fits several expected trucks; an officer will confirm yours",
    )
    verdict.corrected_from = None
    verdict.facts.pop("read_corrected", None)
    return verdict


def _arrive(gate: Gate, booking: Booking, verdict: Judged, known: Known) -> Judged:
    event = verdict.event
    judgement = judge_arrival(event.observed_at, booking.slot_start, grace_of(gate))
    if not judgement.admitted:
        verdict.answer = CheckinAnswer(
            event.event_id,
            judgement.outcome,
            judgement.refusal,
            booking_code=booking.code,
            plate=mask_plate(booking.plate),
            slot_start=as_local(booking.slot_start),
            detail="come back within the grace window of your slot",
        )
        verdict.booking = booking
        return verdict
    trailer = read_trailer(event)
    declared = booking.trailer_plate
    if trailer is not None and (declared is None or fold(trailer) != fold(declared)):
        # Another trailer than declared (or one where none was): admitted, and the officers
        # see it. A read that only confused characters of the declared one is no mismatch.
        booking.arrived_trailer_plate = trailer
        verdict.facts["trailer_mismatch"] = True
    queue_class = QueueClass.REGULAR
    if booking.perishable:
        queue_class = QueueClass.PERISHABLE
    elif booking.enterprise_id in known.aeo_enterprises:
        queue_class = QueueClass.AEO
    verdict.events.append(
        _queue(booking, gate, verdict, judgement.outcome, queue_class, judgement.behind)
    )
    verdict.booking, verdict.admitted = booking, True
    verdict.answer = answer_for(event, judgement.outcome, booking)
    return verdict


def _walk_in(gate: Gate, direction: str, plate: str, verdict: Judged, known: Known) -> Judged:
    event = verdict.event
    start = walk_in_slot(event.observed_at)
    trailer = read_trailer(event)
    # The trailer is claimed like a booked truck's unless another truck holds it (a trailer
    # booked behind another tractor, or read with another walk-in of this batch): then it is
    # stored as read, and that booking keeps it.
    claims = trailer is not None and trailer not in known.by_plate
    claims = claims and trailer not in known.walk_in_trailers
    booking = Booking(
        id=new_id(),
        code=booking_rules.new_booking_code(),
        enterprise_id=None,
        gate_id=gate.id,
        direction=direction,
        slot_start=start,
        plate=plate,
        active_plate=plate,
        trailer_plate=trailer,
        active_trailer_plate=trailer if claims else None,
        status=BookingStatus.BOOKED.value,
        version=1,
        walk_in=True,
        perishable=False,
        missed_calls=0,
    )
    created = BookingCreated(
        **event_fields(booking, gate),
        to_status="booked",
        actor=verdict.reader.actor,
        facts={"walk_in": True},
    )
    # Undeclared cargo and no booking: the live queue, behind every booked vehicle.
    arrived = _queue(booking, gate, verdict, CheckinOutcome.WALK_IN, QueueClass.REGULAR, True)
    verdict.walk_in = WalkIn(booking, direction, start, [created, arrived])
    verdict.booking, verdict.admitted = booking, True
    verdict.answer = answer_for(event, CheckinOutcome.WALK_IN, booking)
    known.walk_ins[plate] = verdict
    if claims and trailer is not None:
        known.walk_in_trailers.add(trailer)
    return verdict


def _queue(
    booking: Booking,
    gate: Gate,
    verdict: Judged,
    outcome: CheckinOutcome,
    queue_class: QueueClass,
    behind: bool,
) -> BookingEvent:
    booking.arrived_at = verdict.event.observed_at
    booking.queue_class = queue_class.value
    booking.queue_behind = behind
    return transition(
        booking,
        gate,
        BookingStatus.ARRIVED,
        VehicleArrived,
        verdict.reader.actor,
        facts={"outcome": outcome.value, "queue_class": queue_class.value, **verdict.facts},
    )


def answer_for(event: DeviceEvent, outcome: CheckinOutcome, booking: Booking) -> CheckinAnswer:
    return CheckinAnswer(
        event.event_id,
        outcome,
        booking_code=booking.code,
        plate=mask_plate(booking.plate),
        direction=booking.direction,
        slot_start=as_local(booking.slot_start),
        queue_class=booking.queue_class,
    )


def no_room(verdict: Judged) -> None:
    """The walk-in's hour is full (or closed): nothing it decided stands."""
    assert verdict.booking is not None
    verdict.answer = CheckinAnswer(
        verdict.event.event_id,
        CheckinOutcome.REFUSED,
        RefusalReason.NO_ROOM_FOR_WALK_IN,
        plate=mask_plate(verdict.booking.plate),
        detail="no booking and this hour is full; book a slot",
    )
    verdict.booking, verdict.walk_in, verdict.admitted = None, None, False

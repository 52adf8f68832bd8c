"""Judging a batch of device events against the bookings they name, in memory.

The check-in service loads every booking a batch can touch in one statement; this module
then decides each event in order, as if they had come one by one: a truck read twice in one
batch is checked in by the first read and found in the yard by the second. Each read gets an
immutable verdict (``gate.checkins.verdicts``); judging changes no booking and asks nothing
of the database. What needs the database afterwards (a place in the hour for a walk-in, the
place in the queue) is left to the service's later phases. Which booking a plate read names
(either plate of the truck, a misread resolved) is ``gate.checkins.matching``'s part.
"""

from __future__ import annotations

from collections.abc import Sequence

from gate.checkins.matching import Known, SoFar, masked_read, match_read, read_trailer
from gate.checkins.reads import DeviceEvent, Reader
from gate.checkins.verdicts import (
    AlreadyInYard,
    Arrives,
    Judged,
    NeedsConfirmation,
    Refused,
    SameTruckAs,
    TooEarly,
    Verdict,
    WalkIn,
)
from gate.domain import bookings as booking_rules
from gate.domain.bookings import BookingStatus, normalise_code
from gate.domain.checkin import (
    ArrivalJudgement,
    RefusalReason,
    judge_arrival,
    judge_held_arrival,
    no_show_deadline,
    walk_in_slot,
)
from gate.domain.plate_reads import fold
from gate.domain.plates import mask_plate, parse_plate
from gate.domain.queue import queue_class_of
from gate.gates.grace import grace_of
from gate.store.booking_rows import BookingRow
from gate.store.tables import Gate

__all__ = ["DeviceEvent", "Reader", "judge", "judge_batch"]


def judge_batch(
    gate: Gate, reads: Sequence[tuple[Reader, DeviceEvent]], known: Known
) -> list[Judged]:
    """Each read's verdict, in order, each judged after the ones before it."""
    so_far = SoFar()
    judged = []
    for index, (reader, event) in enumerate(reads):
        item = judge(gate, reader, event, known, so_far)
        _remember(so_far, index, item.verdict)
        judged.append(item)
    return judged


def _remember(so_far: SoFar, index: int, verdict: Verdict) -> None:
    """What the reads after this one must know of it."""
    match verdict:
        case Arrives(booking=booking):
            so_far.arrived.add(booking.id)
        case WalkIn():
            so_far.walk_ins[verdict.plate] = index
            if verdict.claims_trailer and verdict.trailer is not None:
                so_far.walk_in_trailers.add(verdict.trailer)
    if isinstance(verdict, Refused | WalkIn) and verdict.lapsed is not None:
        so_far.lapse(verdict.lapsed)


def judge(gate: Gate, reader: Reader, event: DeviceEvent, known: Known, so_far: SoFar) -> Judged:
    """Decide one event as if it came alone, after the ones before it in the batch."""
    if event.booking_code is not None:
        booking = known.by_code.get(normalise_code(event.booking_code))
        if booking is None:
            refused = Refused(RefusalReason.UNKNOWN_BOOKING_CODE, "no booking has that code")
            return Judged(reader, event, refused)
        return Judged(reader, event, _booked(gate, reader, event, booking, known, so_far))
    raw = event.plate or ""
    match = match_read(raw, reader.direction, known, so_far, not reader.by_hand)
    if match.candidates:
        read = masked_read(raw)
        return Judged(reader, event, NeedsConfirmation(match.candidates, read))
    corrected = masked_read(raw) if match.corrected else None
    if match.plate is None:
        unreadable = Refused(RefusalReason.UNREADABLE_PLATE, "the plate read is not a plate")
        return Judged(reader, event, unreadable, corrected)
    if match.booking is not None:
        verdict = _booked(gate, reader, event, match.booking, known, so_far)
    elif (first := so_far.walk_ins.get(match.plate)) is not None:
        verdict = SameTruckAs(first)  # the same walk-in truck read again within this batch
    else:
        verdict = _without_booking(reader, event, match.plate, known, so_far)
    return Judged(reader, event, verdict, corrected)


def _status(booking: BookingRow, so_far: SoFar) -> BookingStatus:
    """The booking's status after the batch's earlier reads."""
    if booking.id in so_far.lapsed:
        return BookingStatus.NO_SHOW
    if booking.id in so_far.arrived:
        return BookingStatus.ARRIVED
    return BookingStatus(booking.status)


def _booked(
    gate: Gate, reader: Reader, event: DeviceEvent, booking: BookingRow, known: Known, so_far: SoFar
) -> Verdict:
    """A read that named ``booking`` (by either plate, or by its code)."""
    if booking.gate_id != gate.id:
        return Refused(RefusalReason.WRONG_GATE, "the vehicle is booked at another gate")
    if reader.direction is not None and booking.direction != reader.direction:
        return Refused(RefusalReason.WRONG_DIRECTION, f"booked for {booking.direction}")
    status = _status(booking, so_far)
    if status is BookingStatus.BOOKED:
        grace = grace_of(gate)
        if (entered := known.entered_yard(booking)) is not None:
            # Held in a waiting yard by dispatch: judged by when it entered the yard, never
            # too early nor too late (judge_held_arrival).
            held = judge_held_arrival(entered, booking.slot_start, grace)
            return _arrival(event, booking, known, held)
        if event.observed_at < no_show_deadline(booking.slot_start, grace):
            judgement = judge_arrival(event.observed_at, booking.slot_start, grace)
            return _arrival(event, booking, known, judgement)
        # Too late for its booking: the place goes back, and it may come in as walk-in.
        if event.booking_code is not None:
            reason = "the booking is no longer active"
            return Refused(RefusalReason.BOOKING_NOT_ACTIVE, reason, lapsed=booking)
        # Read by either plate, the truck may come in as a walk-in under its tractor's.
        return _without_booking(reader, event, booking.plate, known, so_far, lapsed=booking)
    if booking_rules.is_active(status):
        return AlreadyInYard(booking)
    return Refused(RefusalReason.BOOKING_NOT_ACTIVE, f"the booking is {status.value}")


def _arrival(
    event: DeviceEvent, booking: BookingRow, known: Known, judgement: ArrivalJudgement
) -> Verdict:
    """A booked truck in time for its booking (``judgement``: by ``judge_arrival``, or by
    ``judge_held_arrival`` for one held in a waiting yard), or too early to admit."""
    if not judgement.admitted:
        return TooEarly(booking)  # judge_arrival refuses nothing else
    trailer = read_trailer(event)
    declared = booking.trailer_plate
    other = None
    if trailer is not None and (declared is None or fold(trailer) != fold(declared)):
        # Another trailer than declared (or one where none was): admitted, and the officers
        # see it. A read that only confused characters of the declared one is no mismatch.
        other = trailer
    queue_class = queue_class_of(
        perishable=booking.perishable, aeo=booking.enterprise_id in known.aeo_enterprises
    )
    return Arrives(booking, judgement.outcome, queue_class, other)


def _without_booking(
    reader: Reader,
    event: DeviceEvent,
    plate: str,
    known: Known,
    so_far: SoFar,
    lapsed: BookingRow | None = None,
) -> Verdict:
    """A truck no active booking stands for: a walk-in, if it can be one."""
    if parse_plate(plate).is_trailer:
        reason = "a trailer plate with no booking: read the tractor's plate"
        return Refused(RefusalReason.TRAILER_WITHOUT_TRUCK, reason, mask_plate(plate), lapsed)
    if reader.direction is None:
        reason = "no booking; check in at a camera of your direction's yard"
        return Refused(RefusalReason.NO_DIRECTION_FOR_WALK_IN, reason, mask_plate(plate), lapsed)
    trailer = read_trailer(event)
    # The trailer is claimed like a booked truck's unless another truck holds it (a trailer
    # booked behind another tractor, or read with another walk-in of this batch): then it is
    # stored as read, and that booking keeps it. The truck's own lapsed booking holds nothing.
    freed_now = (lapsed.plate, lapsed.trailer_plate) if lapsed is not None else ()
    claims = trailer is not None and trailer not in so_far.walk_in_trailers
    if trailer is not None and trailer not in freed_now:
        claims = claims and so_far.booked(trailer, known) is None
    hour = walk_in_slot(event.observed_at)
    return WalkIn(plate, reader.direction, hour, trailer, claims, lapsed)

"""Checking vehicles in from device events (ghi nhận xe vào bãi): idempotent per (device,
event_id), judged by the time the device observed the vehicle, and answered with the
vehicle's place in the queue.

Set-oriented: a batch of events (one, a device's backlog, or what the group commit gathered
in a few milliseconds) costs a fixed handful of statements, not a dozen per truck. The events
are still decided one after the other, in order, exactly as if they had come alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import msgspec
from sqlalchemy import ColumnElement, bindparam, func, or_, select, update
from sqlalchemy.orm.attributes import InstrumentedAttribute, set_committed_value

from gate.checkins.fingerprint import event_fingerprint
from gate.checkins.judging import (
    CheckinAnswer,
    DeviceEvent,
    Judged,
    Reader,
    answer_for,
    judge,
    wanted_plates_and_codes,
)
from gate.checkins.matching import Known, fuzzy_key
from gate.checkins.matching import read_of as normalise_read
from gate.checkins.places import move_places
from gate.checkins.records import Key, Read, claim, reused, stored_answers
from gate.domain.checkin import CheckinOutcome, RefusalReason
from gate.domain.errors import EventIdReused
from gate.domain.events import ReadNeedsConfirmation
from gate.domain.plate_reads import CONFUSABLE, fold
from gate.domain.time import utc_now
from gate.store.tables import Booking, CheckinRecord, Device, Enterprise, Gate, PendingRead
from gate.store.tables.base import table_of
from gate.store.unit_of_work import UnitOfWork
from gate.yard.places import places_in_queue, predicted_call, service_rates

__all__ = [
    "Answered",
    "CheckinAnswer",
    "DeviceEvent",
    "Reader",
    "Result",
    "check_in",
    "check_in_many",
    "decide",
]

_encoder = msgspec.json.Encoder()
# An event's encoded answer, and whether it replays an earlier one; or, for an event_id the
# device used before for another event, that refusal (returned, so the others still go on).
Answered = tuple[bytes, bool]
Result = Answered | EventIdReused
Reading = tuple[Reader, DeviceEvent]


async def check_in(
    uow: UnitOfWork, gate: Gate, device: Device, event: DeviceEvent, *, retention: timedelta
) -> Result:
    """Act on one device event; see ``check_in_many``."""
    return (await check_in_many(uow, gate, [(device, event)], retention=retention))[0]


async def check_in_many(
    uow: UnitOfWork, gate: Gate, reads: Sequence[Read], *, retention: timedelta
) -> list[Result]:
    """Act on device events of one gate, in the order given; for each, the encoded answer and
    whether it replays an earlier one. Nothing is committed here: the caller commits, and
    answers only after that.

    An event is keyed by (device, event_id) and fingerprinted by its payload
    (``gate.checkins.fingerprint``). A key seen with the same fingerprint replays the first
    answer byte for byte; seen with another (stored earlier, or earlier in ``reads``), the
    event gets ``EventIdReused`` in its place and changes nothing. A record received more
    than ``retention`` ago counts as absent: its key is new again."""
    prints = [event_fingerprint(event) for _, event in reads]
    first_of: dict[Key, int] = {}
    for index, (device, event) in enumerate(reads):
        first_of.setdefault((device.id, event.event_id), index)
    claimed = await claim(
        uow, [(reads[i], prints[i]) for i in first_of.values()], utc_now() - retention
    )
    stored = await stored_answers(uow, [key for key in first_of if key not in claimed])
    acting = [index for key, index in first_of.items() if key in claimed]
    acted: dict[int, bytes] = {}
    if acting:
        answers = await _act(uow, gate, [reads[i] for i in acting])
        acted = dict(zip(acting, answers, strict=True))
    results: list[Result] = []
    for index, (device, event) in enumerate(reads):
        key = (device.id, event.event_id)
        first = first_of[key]
        owner, answer = (prints[first], acted[first]) if key in claimed else stored[key]
        if owner is not None and owner != prints[index]:  # None: a record older than 0007
            results.append(reused(event))
        else:
            results.append((answer, index != first or key not in claimed))
    return results


async def _act(uow: UnitOfWork, gate: Gate, reads: Sequence[Read]) -> list[bytes]:
    verdicts, answers = await decide(uow, gate, [(Reader.of(d), event) for d, event in reads])
    encoded = [_encoder.encode(answer) for answer in answers]
    records = table_of(CheckinRecord)
    await uow.session.execute(
        update(records)
        .where(
            records.c.device_id == bindparam("record_device"),
            records.c.event_id == bindparam("record_event"),
        )
        .values(
            outcome=bindparam("outcome"),
            booking_id=bindparam("booking_id"),
            answer=bindparam("body"),
        ),
        [
            {
                "record_device": verdict.reader.id,
                "record_event": verdict.event.event_id,
                "outcome": answer.outcome.value,
                "booking_id": verdict.booking.id if verdict.booking is not None else None,
                "body": body,
            }
            for verdict, answer, body in zip(verdicts, answers, encoded, strict=True)
        ],
    )
    return encoded


async def decide(
    uow: UnitOfWork, gate: Gate, reads: Sequence[Reading]
) -> tuple[list[Judged], list[CheckinAnswer]]:
    """Judge and act on reads of one gate, in order: bookings moved, walk-ins stored, reads
    that fit several trucks left for the officers, events recorded; each verdict with its
    answer. Shared by the devices' check-in and the officers' check-in by hand."""
    known = await _load(uow, gate, reads)
    verdicts = [judge(gate, reader, event, known) for reader, event in reads]
    await uow.session.flush()  # the booked vehicles' moves (rows locked), before the slots'
    await move_places(uow, gate, verdicts)
    _second_reads_of_walk_ins(verdicts)
    await _leave_for_officers(uow, gate, verdicts)
    answers = await _with_queue_places(uow, gate, verdicts)
    for verdict in verdicts:
        for event in verdict.events:
            uow.record(event)
        if verdict.walk_in is not None:
            for event in verdict.walk_in.events:
                uow.record(event)
    return verdicts, answers


async def _load(uow: UnitOfWork, gate: Gate, reads: Sequence[Reading]) -> Known:
    """Every booking the events name by either plate or code, locked in id order: two
    devices reading one truck at once take turns (PostgreSQL; SQLite serialises writers
    anyway). Then, only for reads that named none, the gate's active bookings whose plates
    fold to the same key (one more statement, and none on the hot path)."""
    plates, codes = wanted_plates_and_codes([event for _, event in reads])
    found: list[Booking] = []
    if plates or codes:
        query = (
            select(Booking)
            .where(
                or_(
                    Booking.active_plate.in_(plates),
                    Booking.active_trailer_plate.in_(plates),
                    Booking.code.in_(codes),
                )
            )
            .order_by(Booking.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        found = list(await uow.session.scalars(query))
    by_plate = {b.active_plate: b for b in found if b.active_plate is not None}
    by_plate |= {b.active_trailer_plate: b for b in found if b.active_trailer_plate is not None}
    known = Known(by_code={b.code: b for b in found}, by_plate=by_plate, aeo_enterprises=set())
    keys = {
        key
        for reader, event in reads
        if not reader.by_hand and event.booking_code is None
        if (key := fuzzy_key(event.plate or "", known)) is not None
    }
    expected: list[Booking] = []
    if keys:
        query = (
            select(Booking)
            .where(
                Booking.gate_id == gate.id,
                Booking.active_plate.is_not(None),
                or_(
                    _folded(Booking.active_plate).in_(keys),
                    _folded(Booking.active_trailer_plate).in_(keys),
                ),
            )
            .order_by(Booking.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        expected = list(await uow.session.scalars(query))
    for booking in expected:
        for plate in (booking.active_plate, booking.active_trailer_plate):
            if plate is not None:
                known.by_fold.setdefault(fold(plate), []).append(booking)
    enterprises = {b.enterprise_id for b in [*found, *expected] if b.enterprise_id is not None}
    if enterprises:
        known.aeo_enterprises = set(
            await uow.session.scalars(
                select(Enterprise.id).where(
                    Enterprise.id.in_(enterprises), Enterprise.is_aeo.is_(True)
                )
            )
        )
    return known


def _folded(column: InstrumentedAttribute[str | None]) -> ColumnElement[str | None]:
    """``gate.domain.plate_reads.fold`` in SQL (REPLACE exists on both databases)."""
    folded: ColumnElement[str | None] = column.expression
    for digit, letters in CONFUSABLE.items():
        for letter in letters:
            folded = func.replace(folded, letter, digit)
    return folded


async def _leave_for_officers(uow: UnitOfWork, gate: Gate, verdicts: Sequence[Judged]) -> None:
    """Reads that fit several expected trucks wait for an officer: a pending read each, and an
    event that tells the officers' board. An officer's own read never waits for an officer."""
    for verdict in verdicts:
        if not verdict.candidates or verdict.reader.by_hand:
            continue
        pending = PendingRead(
            gate_id=gate.id,
            direction=verdict.reader.direction,
            device_id=verdict.reader.id,
            event_id=verdict.event.event_id,
            plate_read=normalise_read(verdict.event.plate or ""),
            candidate_ids=" ".join(b.id for b in verdict.candidates),
            observed_at=verdict.event.observed_at,
        )
        uow.session.add(pending)
        await uow.session.flush()
        uow.record(
            ReadNeedsConfirmation(
                gate=gate.code, direction=verdict.reader.direction, pending_read_id=pending.id
            )
        )


def _second_reads_of_walk_ins(verdicts: Sequence[Judged]) -> None:
    """A walk-in truck read twice in one batch: the second read finds it in the yard, or,
    when the first found no room, finds no room either."""
    for verdict in verdicts:
        first = verdict.same_truck_as
        if first is None:
            continue
        booking = first.booking
        if booking is None:
            verdict.answer = msgspec.structs.replace(first.answer, event_id=verdict.event.event_id)
        elif verdict.reader.direction not in (None, booking.direction):
            verdict.answer = CheckinAnswer(
                verdict.event.event_id,
                CheckinOutcome.REFUSED,
                RefusalReason.WRONG_DIRECTION,
                detail=f"booked for {booking.direction}",
            )
        else:
            verdict.booking = booking
            verdict.answer = answer_for(verdict.event, CheckinOutcome.ALREADY_IN_YARD, booking)


async def _with_queue_places(
    uow: UnitOfWork, gate: Gate, verdicts: Sequence[Judged]
) -> list[CheckinAnswer]:
    """Each answer with its vehicle's place; each vehicle admitted now with the forecast of
    its call, kept to measure the forecast's error later."""
    asking = [i for i, v in enumerate(verdicts) if v.wants_place]
    asked = [(v.booking, i) for i in asking if (v := verdicts[i]).booking is not None]
    joined = [(v.booking, i) for i, v in enumerate(verdicts) if v.admitted and v.booking]
    places_of = await places_in_queue(uow, gate, asked, joined)
    places = dict(zip(asking, places_of, strict=True))
    place_of_booking: dict[str, int | None] = {}  # where it was placed when it arrived
    for (booking, _), place in zip(asked, places_of, strict=True):
        place_of_booking.setdefault(booking.id, place)
    admitted = [v.booking for v in verdicts if v.admitted and v.booking is not None]
    rates = await service_rates(
        uow, gate, [(b.direction, b.arrived_at) for b in admitted if b.arrived_at is not None]
    )
    forecasts = []
    for booking in admitted:
        place = place_of_booking.get(booking.id)
        if place is None or booking.arrived_at is None:
            continue
        forecast = predicted_call(
            booking.arrived_at, place, rates[booking.direction, booking.arrived_at]
        )
        set_committed_value(booking, "predicted_call_at", forecast)
        forecasts.append({"booking": booking.id, "forecast": forecast})
    if forecasts:  # one UPDATE for them all (executemany)
        bookings = table_of(Booking)
        await uow.session.execute(
            update(bookings)
            .where(bookings.c.id == bindparam("booking"))
            .values(predicted_call_at=bindparam("forecast")),
            forecasts,
        )
    answers = [
        msgspec.structs.replace(v.answer, queue_position=places[i]) if i in places else v.answer
        for i, v in enumerate(verdicts)
    ]
    return [
        msgspec.structs.replace(answer, corrected_from=v.corrected_from)
        if v.corrected_from is not None
        else answer
        for answer, v in zip(answers, verdicts, strict=True)
    ]

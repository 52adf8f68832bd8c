"""Checking vehicles in from device events (ghi nhận xe vào bãi): idempotent per (device,
event_id), judged by the time the device observed the vehicle, and answered with the
vehicle's place in the queue.

Set-oriented: a batch of events (one, a device's backlog, or what the group commit gathered
in a few milliseconds) costs a fixed handful of statements, not a dozen per truck. The events
are still decided one after the other, in order, exactly as if they had come alone.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import msgspec

from gate.checkins.answers import CheckinAnswer, answer
from gate.checkins.judging import judge_batch
from gate.checkins.loading import load
from gate.checkins.matching import read_of as normalise_read
from gate.checkins.moves import Moves, move_bookings, moved
from gate.checkins.places import move_places
from gate.checkins.reads import DeviceEvent, DeviceSeen, Reader
from gate.checkins.records import Key, Read, claim, reused, stored_answers
from gate.checkins.standing import Forecast, queue_places
from gate.checkins.statements import MOVE, PENDING, Answer, moved_row, store_outcomes
from gate.checkins.turns import first_out_of_turn
from gate.checkins.verdicts import (
    Final,
    Judged,
    NeedsConfirmation,
    booking_of,
    joined_queue,
    settle,
)
from gate.devices.fingerprint import event_fingerprint
from gate.dispatch.arrivals import Arrival, reached_gate
from gate.domain.checkin import CheckinOutcome
from gate.domain.errors import EventIdReused
from gate.domain.events import ReadNeedsConfirmation
from gate.domain.time import utc_now
from gate.metrics import CHECKIN_BATCH_SIZE, CHECKINS
from gate.store.booking_rows import BookingRow
from gate.store.tables import Gate
from gate.store.types import new_id
from gate.store.unit_of_work import UnitOfWork

__all__ = [
    "Answered",
    "CheckinAnswer",
    "Decided",
    "DeviceEvent",
    "DeviceSeen",
    "Read",
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
    uow: UnitOfWork, gate: Gate, device: DeviceSeen, event: DeviceEvent, *, retention: timedelta
) -> Result:
    """Act on one device event; see ``check_in_many``."""
    return (await check_in_many(uow, gate, [(device, event)], retention=retention))[0]


async def check_in_many(
    uow: UnitOfWork, gate: Gate, reads: Sequence[Read], *, retention: timedelta
) -> list[Result]:
    """Act on device events of one gate, in the order given, each with the device that sent
    it (its columns as read, ``DeviceSeen``: gate/checkins/devices.py); for each, the encoded
    answer and whether it replays an earlier one. Nothing is committed here: the caller
    commits, and answers only after that.

    An event is keyed by (device, event_id) and fingerprinted by its payload
    (``gate.devices.fingerprint``). A key seen with the same fingerprint replays the first
    answer byte for byte; seen with another (stored earlier, or earlier in ``reads``), the
    event gets ``EventIdReused`` in its place and changes nothing. A record received more
    than ``retention`` ago counts as absent: its key is new again."""
    uow.after_commit(functools.partial(CHECKIN_BATCH_SIZE.observe, len(reads)))
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


def count_checkins(outcomes: Sequence[CheckinOutcome]) -> None:
    """Count committed check-ins by outcome (``gate_checkins``); called after the commit."""
    for outcome, count in Counter(outcomes).items():
        CHECKINS.labels(outcome.value).inc(count)


@dataclass(frozen=True, slots=True)
class Decided:
    """One read acted on: what judging made of it, its final verdict, and its answer."""

    judged: Judged
    final: Final
    answer: CheckinAnswer
    booking: BookingRow | None  # the one its record names (``booking_of(final)``)


async def _act(uow: UnitOfWork, gate: Gate, reads: Sequence[Read]) -> list[bytes]:
    decided, forecasts = await _decide(uow, gate, [(Reader.of(d), event) for d, event in reads])
    encoded = [_encoder.encode(item.answer) for item in decided]
    uow.after_commit(functools.partial(count_checkins, [d.answer.outcome for d in decided]))
    answers = [
        Answer(
            item.judged.reader.id,
            item.judged.event.event_id,
            item.answer.outcome.value,
            item.booking.id if item.booking is not None else None,
            body,
        )
        for item, body in zip(decided, encoded, strict=True)
    ]
    await store_outcomes(uow, gate.id, forecasts, answers)
    return encoded


async def decide(uow: UnitOfWork, gate: Gate, reads: Sequence[Reading]) -> list[Decided]:
    """Judge and act on reads of one gate, in order: bookings moved, walk-ins stored, reads
    that fit several trucks left for the officers, events recorded; each read with its
    answer. Shared by the devices' check-in and the officers' check-in by hand.

    Named phases, each taking what the ones before made and changing none of it: load (and
    lock) the bookings the reads name; judge each read in memory (``judge_batch``, which
    matches the read to a truck first); move the booked trucks' rows; take and give back slot
    places, storing the walk-ins that got one; settle each read's final verdict; leave the
    reads that fit several trucks for the officers; record the events; find each truck's
    place in the queue; build the answers. The forecasts of the calls are written too."""
    decided, forecasts = await _decide(uow, gate, reads)
    await store_outcomes(uow, gate.id, forecasts, ())
    return decided


async def _decide(
    uow: UnitOfWork, gate: Gate, reads: Sequence[Reading]
) -> tuple[list[Decided], list[Forecast]]:
    """``decide``, the forecasts left for the caller to write (with the answers)."""
    known = await load(uow, gate, reads)
    judged = judge_batch(gate, reads, known)
    if (cut := first_out_of_turn(judged)) is not None:  # rare: see gate/checkins/turns.py
        first, first_forecasts = await _decide(uow, gate, reads[:cut])
        rest, rest_forecasts = await _decide(uow, gate, reads[cut:])
        return [*first, *rest], [*first_forecasts, *rest_forecasts]
    moves = move_bookings(gate, judged)
    # The booked vehicles' moves (rows locked), written before the slots' are touched.
    if changed := moved(judged):
        now = utc_now()
        await uow.session.execute(MOVE, [moved_row(booking, now) for booking in changed])
    walk_ins = await move_places(uow, gate, judged)
    finals = settle(judged, walk_ins.finals)
    for_officers = await _leave_for_officers(uow, gate, judged)
    _record(uow, judged, moves, walk_ins.events, for_officers)
    await reached_gate(uow, gate, _arrivals(judged, finals), known.in_yards, utc_now())
    places, forecasts = await queue_places(uow, gate, finals)
    decided = [
        Decided(item, final, answer(item, final, place), booking_of(final))
        for item, final, place in zip(judged, finals, places, strict=True)
    ]
    return decided, forecasts


def _arrivals(judged: Sequence[Judged], finals: Sequence[Final]) -> list[Arrival]:
    """The trucks this batch checked in, with who read each: a truck that came from a waiting
    yard ends its visit and meets its dispatch order there (gate/dispatch/arrivals.py)."""
    arrivals = []
    for item, final in zip(judged, finals, strict=True):
        booking = booking_of(final)
        if joined_queue(final) and booking is not None:
            arrivals.append(Arrival(booking, item.reader.actor, item.event.request_id))
    return arrivals


async def _leave_for_officers(
    uow: UnitOfWork, gate: Gate, judged: Sequence[Judged]
) -> dict[int, ReadNeedsConfirmation]:
    """Reads that fit several expected trucks wait for an officer: a pending read each, and an
    event (by batch index, recorded in the reads' order with the others) that tells the
    officers' board. An officer's own read never waits for an officer."""
    events: dict[int, ReadNeedsConfirmation] = {}
    rows = []
    now = utc_now()
    for index, item in enumerate(judged):
        verdict = item.verdict
        if not isinstance(verdict, NeedsConfirmation) or item.reader.by_hand:
            continue
        pending_id = new_id()
        rows.append(
            {
                "id": pending_id,
                "created_at": now,
                "gate_id": gate.id,
                "direction": item.reader.direction,
                "device_id": item.reader.id,
                "event_id": item.event.event_id,
                "plate_read": normalise_read(item.event.plate or ""),
                "candidate_ids": " ".join(b.id for b in verdict.candidates),
                "observed_at": item.event.observed_at,
            }
        )
        events[index] = ReadNeedsConfirmation(
            gate=gate.code, direction=item.reader.direction, pending_read_id=pending_id
        )
    if rows:  # one executemany for them all
        await uow.session.execute(PENDING, rows)
    return events


def _record(
    uow: UnitOfWork,
    judged: Sequence[Judged],
    moves: Sequence[Moves],
    walk_ins: dict[int, Moves],
    for_officers: dict[int, ReadNeedsConfirmation],
) -> None:
    """Each read's events, in the batch's order (as if the reads had come one by one): its
    booking's moves, then, for a walk-in that got its place, the new booking's, or the event
    of a read left for the officers. Each event names the request that carried its read."""
    for index, events in enumerate(moves):
        pending = (for_officers[index],) if index in for_officers else ()
        request_id = judged[index].event.request_id
        for event in (*events, *walk_ins.get(index, ()), *pending):
            uow.record(event, request_id)

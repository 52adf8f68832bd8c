"""The slot places a check-in batch moves: lapsed bookings give theirs back, walk-ins take one
in the hour they arrived. Every slot row the batch touches is locked once, in ascending id
order, the lock order every path keeps (docs/architecture.md, "Lock order")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from gate.checkins.admission import admit_at
from gate.checkins.moves import Moves, admit_walk_in
from gate.checkins.statements import HOLDING
from gate.checkins.verdicts import AlreadyInYard, Final, Judged, Refused, WalkIn, WalkInAdmitted
from gate.checkins.verdicts import no_room as no_room_for
from gate.checkins.walk_in_rows import insert_walk_ins
from gate.domain.events import BookingCreated, Fact
from gate.domain.slots import Direction
from gate.domain.time import utc_now
from gate.fees.fixing import draft_fees, store_fees, walk_in
from gate.gates.slots import ensure_slot, release_place, release_places, take_places
from gate.store.booking_rows import BookingRow
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork
from gate.yard.counts import lock_counts

Hour = tuple[str, datetime]  # (direction, the hour's start)
FeeFacts = dict[str, Fact]  # a walk-in's fee in its creation's facts, as a booking's


@dataclass(frozen=True, slots=True)
class WalkInPlaces:
    """What became of each walk-in (by batch index): admitted with its new booking, refused
    for want of room, or found in the yard (another process checked the truck in at the same
    moment); and the events of those admitted."""

    finals: dict[int, Final]
    events: dict[int, Moves]


async def move_places(uow: UnitOfWork, gate: Gate, judged: Sequence[Judged]) -> WalkInPlaces:
    """Give back the places of lapsed bookings and give the walk-ins places in their hours,
    first come first served; store the walk-ins that got one.

    The slot rows of both are taken in one pass by id: a batch that freed 05:00 and then
    locked the walk-ins' 08:00 deadlocked with a reschedule of another 05:00 booking into
    08:00 (which locks by id) whenever 08:00's id was the lower. The rows stay locked to the
    commit; the caller has locked every booking it moves before (bookings before slots)."""
    released: Counter[str] = Counter()
    by_hour: dict[Hour, list[int]] = {}
    for index, item in enumerate(judged):
        verdict = item.verdict
        if isinstance(verdict, Refused | WalkIn) and verdict.lapsed is not None:
            released[verdict.lapsed.slot_id] += 1
        if isinstance(verdict, WalkIn):
            by_hour.setdefault((verdict.direction, verdict.hour), []).append(index)
    if by_hour and not released and (at_once := await _at_once(uow, gate, judged, by_hour)):
        return at_once
    if by_hour:
        # The walk-ins join the queue after their slot rows are locked: the gate's counts
        # first (bookings, counts, slots: gate/yard/counts.py::lock_counts).
        await lock_counts(uow, gate)
    # Materialising an hour's row locks nothing another transaction holds (ON CONFLICT DO
    # NOTHING), so it is done before the row locks, in a fixed order of its own.
    waiting_in: dict[str, list[int]] = {}
    for (direction, start), waiting in sorted(by_hour.items()):
        slot_id = await ensure_slot(uow, gate, Direction(direction), start)
        waiting_in.setdefault(slot_id, []).extend(waiting)
    finals: dict[int, Final] = {}
    admitted: dict[int, tuple[BookingRow, Moves]] = {}
    for slot_id in sorted(released.keys() | waiting_in.keys()):
        if released[slot_id]:
            await release_place(uow, slot_id, released[slot_id])
        waiting = waiting_in.get(slot_id, [])
        granted = await take_places(uow, slot_id, len(waiting)) if waiting else 0
        for index in waiting[:granted]:
            admitted[index] = admit_walk_in(gate, judged[index], _walk_in(judged[index]), slot_id)
        for index in waiting[granted:]:
            walk_in = _walk_in(judged[index])
            finals[index] = no_room_for(walk_in.plate, walk_in.lapsed)
    stored = await _store_walk_ins(uow, gate, [booking for booking, _ in admitted.values()])
    return await _outcome(uow, finals, admitted, stored)


async def _at_once(
    uow: UnitOfWork, gate: Gate, judged: Sequence[Judged], by_hour: dict[Hour, list[int]]
) -> WalkInPlaces | None:
    """The walk-ins of a batch that gives no place back: the count lock and the places of
    every hour they ask (both directions') in one statement on PostgreSQL
    (gate/checkins/admission.py), then those admitted stored, in the batch's order; None
    when that cannot be (another database, or an hour's row not made yet)."""
    if uow.session.get_bind().dialect.name != "postgresql":
        return None
    hours = sorted(by_hour.items())
    done = await admit_at(uow, gate.id, [(d, start, len(w)) for (d, start), w in hours])
    if done is None:
        return None
    admitted: dict[int, tuple[BookingRow, Moves]] = {}
    finals: dict[int, Final] = {}
    for (_, waiting), hour in zip(hours, done, strict=True):
        for index in waiting[: hour.granted]:
            walk_in = _walk_in(judged[index])
            admitted[index] = admit_walk_in(gate, judged[index], walk_in, hour.slot_id)
        for index in waiting[hour.granted :]:
            walk_in = _walk_in(judged[index])
            finals[index] = no_room_for(walk_in.plate, walk_in.lapsed)
    # Stored in the batch's order (a plate read twice: the first read's row wins the conflict).
    admitted = dict(sorted(admitted.items()))
    stored = await _store_walk_ins(uow, gate, [booking for booking, _ in admitted.values()])
    return await _outcome(uow, finals, admitted, stored)


async def _outcome(
    uow: UnitOfWork,
    finals: dict[int, Final],
    admitted: dict[int, tuple[BookingRow, Moves]],
    stored: Mapping[str, FeeFacts | None],
) -> WalkInPlaces:
    """What became of the walk-ins: those refused (``finals``), those admitted and stored
    with their events (the creation's facts with the fee fixed, as a booking's: its amount
    and invoice number), and those whose truck was checked in by another process
    meanwhile."""
    lost = {index: booking for index, (booking, _) in admitted.items() if booking.id not in stored}
    finals |= await _lost_races(uow, lost)
    events: dict[int, Moves] = {}
    for index, (booking, moves) in admitted.items():
        if index not in lost:
            finals[index], events[index] = WalkInAdmitted(booking), _with_fee(moves, stored)
    return WalkInPlaces(finals, events)


def _with_fee(moves: Moves, fees: Mapping[str, FeeFacts | None]) -> Moves:
    """The walk-in's events, its creation's facts with its fee's when one was fixed."""
    return tuple(
        replace(event, facts={**event.facts, **fee})
        if isinstance(event, BookingCreated) and (fee := fees.get(event.booking_id))
        else event
        for event in moves
    )


def _walk_in(item: Judged) -> WalkIn:
    assert isinstance(item.verdict, WalkIn)
    return item.verdict


async def _store_walk_ins(
    uow: UnitOfWork, gate: Gate, bookings: list[BookingRow]
) -> dict[str, FeeFacts | None]:
    """Insert the walk-ins' bookings in one statement, each with its fee (vehicle type ``*``,
    load unknown: gate/fees/fixing.py) and held while it is unpaid; the ids of those stored,
    each with its fee's facts (amount, invoice number; None: no fee was fixed). A truck
    another process checked in meanwhile holds its plate: its row is not inserted, and no fee
    is fixed for it. The fees' invoice numbers are taken last, in one counter update for the
    batch (gate/fees/invoices.py)."""
    if not bookings:
        return {}
    now = utc_now()
    crossings = [walk_in(b.id, b.direction, b.slot_start) for b in bookings]
    fees = await draft_fees(uow, gate, crossings, now)
    stored = await insert_walk_ins(uow, bookings, now, fees)
    drafts = [fee for fee in fees if fee is not None and fee.crossing.booking_id in stored]
    numbers = await store_fees(uow, gate, drafts, now)
    facts: dict[str, FeeFacts | None] = dict.fromkeys(stored)
    for draft, number in zip(drafts, numbers, strict=True):
        facts[draft.crossing.booking_id] = {"fee_vnd": draft.amount_vnd, "invoice_number": number}
    return facts


async def _lost_races(uow: UnitOfWork, lost: dict[int, BookingRow]) -> dict[int, Final]:
    """Walk-ins whose truck another device (another process) checked in at the same moment:
    that check-in stands, this read finds the truck in the yard and gives its place back."""
    if not lost:
        return {}
    freed = Counter(booking.slot_id for booking in lost.values())
    for slot_id, count in sorted(freed.items()):
        await release_places(uow, slot_id, count)
    plates = [booking.plate for booking in lost.values()]
    # Read, not locked: the winners are only described in the answers, and locking a booking
    # after the slot rows would break the lock order (bookings before slots).
    rows = await uow.session.execute(HOLDING, {"plates": plates})
    winners = {b.plate: b for b in map(BookingRow.of, rows)}
    return {index: AlreadyInYard(winners[booking.plate]) for index, booking in lost.items()}

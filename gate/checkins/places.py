"""The slot places a check-in batch moves: lapsed bookings give theirs back, walk-ins take one
in the hour they arrived. Every slot row the batch touches is locked once, in ascending id
order, the lock order every path keeps (docs/architecture.md, "Lock order")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from gate.checkins.judging import Judged, answer_for, no_room
from gate.domain.checkin import CheckinOutcome
from gate.domain.slots import Direction
from gate.domain.time import utc_now
from gate.gates.slots import ensure_slot, release_place, release_places, take_places
from gate.store.database import conflict_insert
from gate.store.tables import Booking, Gate
from gate.store.tables.base import table_of
from gate.store.unit_of_work import UnitOfWork

# What a walk-in booking holds when it is stored (the rest stays NULL or its default).
_WALK_IN_COLUMNS = (
    *("id", "code", "enterprise_id", "gate_id", "direction", "slot_id", "slot_start"),
    *("plate", "active_plate", "trailer_plate", "active_trailer_plate"),
    *("perishable", "status", "version", "walk_in"),
    *("queue_class", "queue_behind", "arrived_at", "missed_calls"),
)


async def move_places(uow: UnitOfWork, gate: Gate, verdicts: Sequence[Judged]) -> None:
    """Give back the places of lapsed bookings (``released_slot``) and give the walk-ins
    places in their hours, first come first served; store the walk-ins that got one.

    The slot rows of both are taken in one pass by id: a batch that freed 05:00 and then
    locked the walk-ins' 08:00 deadlocked with a reschedule of another 05:00 booking into
    08:00 (which locks by id) whenever 08:00's id was the lower. The rows stay locked to the
    commit; the caller has locked every booking it moves before (bookings before slots)."""
    released = Counter(v.released_slot for v in verdicts if v.released_slot is not None)
    by_hour: dict[tuple[str, datetime], list[Judged]] = {}
    for verdict in verdicts:
        if verdict.walk_in is not None:
            key = (verdict.walk_in.direction, verdict.walk_in.slot_start)
            by_hour.setdefault(key, []).append(verdict)
    # Materialising an hour's row locks nothing another transaction holds (ON CONFLICT DO
    # NOTHING), so it is done before the row locks, in a fixed order of its own.
    waiting_in: dict[str, list[Judged]] = {}
    for (direction, start), waiting in sorted(by_hour.items()):
        slot_id = await ensure_slot(uow, gate, Direction(direction), start)
        waiting_in.setdefault(slot_id, []).extend(waiting)
    stored: list[Judged] = []
    slot_of: dict[str, str] = {}
    for slot_id in sorted(released.keys() | waiting_in.keys()):
        if released[slot_id]:
            await release_place(uow, slot_id, released[slot_id])
        waiting = waiting_in.get(slot_id, [])
        granted = await take_places(uow, slot_id, len(waiting)) if waiting else 0
        for verdict in waiting[granted:]:
            no_room(verdict)
        for verdict in waiting[:granted]:
            assert verdict.walk_in is not None and verdict.booking is not None
            verdict.booking.slot_id = slot_id
            verdict.walk_in.granted = True
            slot_of[verdict.booking.id] = slot_id
            stored.append(verdict)
    if stored:
        await _store_walk_ins(uow, stored, slot_of)


async def _store_walk_ins(uow: UnitOfWork, stored: list[Judged], slot_of: dict[str, str]) -> None:
    now = utc_now()
    rows = [_walk_in_row(verdict.booking, now) for verdict in stored if verdict.booking]
    table = table_of(Booking)
    inserted = set(
        await uow.session.scalars(
            conflict_insert(uow.session)(table)
            .on_conflict_do_nothing(index_elements=["active_plate"])
            .returning(table.c.id),
            rows,
        )
    )
    lost = [verdict for verdict in stored if verdict.booking and verdict.booking.id not in inserted]
    if lost:
        await _lost_races(uow, lost, slot_of)


def _walk_in_row(booking: Booking, now: datetime) -> dict[str, object]:
    row = {column: getattr(booking, column) for column in _WALK_IN_COLUMNS}
    row["created_at"] = row["updated_at"] = now
    return row


async def _lost_races(uow: UnitOfWork, lost: Sequence[Judged], slot_of: dict[str, str]) -> None:
    """Walk-ins whose truck another device (another process) checked in at the same moment:
    that check-in stands, this read finds the truck in the yard and gives its place back."""
    freed: dict[str, int] = {}
    for verdict in lost:
        assert verdict.booking is not None
        slot_id = slot_of[verdict.booking.id]
        freed[slot_id] = freed.get(slot_id, 0) + 1
    for slot_id, count in sorted(freed.items()):
        await release_places(uow, slot_id, count)
    plates = [verdict.booking.plate for verdict in lost if verdict.booking is not None]
    # Read, not locked: the winners are only described in the answers, and locking a booking
    # after the slot rows would break the lock order (bookings before slots).
    winners = {
        b.plate: b
        for b in await uow.session.scalars(
            select(Booking).where(Booking.active_plate.in_(plates)).order_by(Booking.id)
        )
    }
    for verdict in lost:
        assert verdict.booking is not None
        existing = winners[verdict.booking.plate]
        verdict.walk_in, verdict.admitted, verdict.booking = None, False, existing
        verdict.answer = answer_for(verdict.event, CheckinOutcome.ALREADY_IN_YARD, existing)

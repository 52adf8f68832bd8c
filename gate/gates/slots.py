"""Places in slots. The count of a slot changes only by conditional updates inside the
transaction that books, moves or cancels, so capacity is never oversold on any database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, bindparam, case, select, text, update

from gate.domain.errors import SlotClosed, SlotFull
from gate.domain.slots import Direction
from gate.domain.time import SLOT_LENGTH
from gate.gates.calendar import load_calendar
from gate.store.database import conflict_insert
from gate.store.tables import Gate, Slot
from gate.store.types import new_id
from gate.store.unit_of_work import UnitOfWork


def _insert_ignoring_conflicts(uow: UnitOfWork, values: dict[str, Any]) -> Any:
    insert = conflict_insert(uow.session)
    return (
        insert(Slot)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["gate_id", "direction", "starts_at"])
    )


async def ensure_slot(uow: UnitOfWork, gate: Gate, direction: Direction, start: datetime) -> str:
    """The id of the slot row for that hour, materialising it with the calendar's capacity."""
    key = (Slot.gate_id == gate.id, Slot.direction == direction.value, Slot.starts_at == start)
    slot_id = await uow.session.scalar(select(Slot.id).where(*key))
    if slot_id is not None:
        return slot_id
    calendar = await load_calendar(uow, gate, direction, start, start + SLOT_LENGTH)
    values = {
        "id": new_id(),
        "gate_id": gate.id,
        "direction": direction.value,
        "starts_at": start,
        "capacity": calendar.capacity(start).capacity,
        "booked": 0,
    }
    # Two first bookings of one hour may race here: one insert wins, both read the same row.
    await uow.session.execute(_insert_ignoring_conflicts(uow, values))
    slot_id = await uow.session.scalar(select(Slot.id).where(*key))
    assert slot_id is not None
    return slot_id


async def lock_slots(uow: UnitOfWork, *slot_ids: str) -> None:
    """Row-lock several slots in one fixed order (by id) before changing their counts.

    The lock-order rule: a transaction that updates two or more slot rows locks them all here
    first, so two transactions moving places in opposite directions (07:00 -> 10:00 and
    10:00 -> 07:00) queue on the lower id instead of each holding the row the other waits
    for (a PostgreSQL deadlock). SQLite ignores FOR UPDATE: BEGIN IMMEDIATE serialises writers.
    """
    ids = sorted(set(slot_ids))
    if len(ids) > 1:
        await uow.session.execute(
            select(Slot.id).where(Slot.id.in_(ids)).order_by(Slot.id).with_for_update()
        )


async def take_place(uow: UnitOfWork, slot_id: str) -> None:
    """Book one place, or raise SlotFull / SlotClosed. Atomic: the row lock of the UPDATE
    serialises concurrent bookers and the WHERE is re-checked after the lock is granted."""
    taken = await uow.session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked < Slot.capacity)
        .values(booked=Slot.booked + 1)
        .returning(Slot.booked)
    )
    if taken.first() is not None:
        return
    capacity = await uow.session.scalar(select(Slot.capacity).where(Slot.id == slot_id))
    if capacity == 0:
        raise SlotClosed("the gate takes no vehicle in that slot")
    raise SlotFull("the slot has no free place", capacity=capacity)


async def release_place(uow: UnitOfWork, slot_id: str, count: int = 1) -> None:
    """Give ``count`` places back at once (cancellations, moves to another slot, lapsed
    bookings); the count never goes below zero."""
    await uow.session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked > 0)
        .values(booked=case((Slot.booked > count, Slot.booked - count), else_=0))
    )


# PostgreSQL: the row locked, the places counted and taken in one round trip. The CTE's
# FOR UPDATE waits for the row and then reads its latest committed version, as the separate
# SELECT ... FOR UPDATE did; a full hour is locked and left as it was (no row comes back).
_TAKE_PLACES_ON_POSTGRES = text(
    """
    WITH held AS (SELECT id, booked, capacity FROM slots WHERE id = :slot_id FOR UPDATE)
    UPDATE slots SET booked = held.booked + LEAST(:wanted, held.capacity - held.booked)
    FROM held
    WHERE slots.id = held.id AND held.booked < held.capacity
    RETURNING LEAST(:wanted, held.capacity - held.booked)
    """
).bindparams(bindparam("slot_id", type_=String), bindparam("wanted", type_=Integer))


async def take_places(uow: UnitOfWork, slot_id: str, wanted: int) -> int:
    """Book up to ``wanted`` places of one slot at once and say how many were free: a batch of
    walk-ins into one hour turns the slot's row lock once, not once per truck. The row stays
    locked (PostgreSQL; SQLite serialises writers) from the read to the commit. One round
    trip on PostgreSQL, two on SQLite (whose RETURNING cannot see the row as it was)."""
    if uow.session.get_bind().dialect.name == "postgresql":
        taken = await uow.session.scalar(
            _TAKE_PLACES_ON_POSTGRES, {"slot_id": slot_id, "wanted": wanted}
        )
        return int(taken or 0)
    row = (
        await uow.session.execute(
            select(Slot.booked, Slot.capacity).where(Slot.id == slot_id).with_for_update()
        )
    ).one()
    granted = max(0, min(wanted, int(row.capacity) - int(row.booked)))
    if granted:
        await uow.session.execute(
            update(Slot).where(Slot.id == slot_id).values(booked=Slot.booked + granted)
        )
    return granted


async def release_places(uow: UnitOfWork, slot_id: str, count: int) -> None:
    """Give back ``count`` places taken in this transaction that went unused."""
    await uow.session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.booked >= count)
        .values(booked=Slot.booked - count)
    )

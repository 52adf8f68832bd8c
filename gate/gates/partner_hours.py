"""The hours a partner gate's announcement touches (gate/gates/partner.py): their bookable
capacity by the calendar, and their slot rows materialised with the new one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from gate.domain.slots import Direction
from gate.gates.calendar import hours_between, load_calendar
from gate.store.database import conflict_insert
from gate.store.tables import Gate, Slot
from gate.store.types import new_id
from gate.store.unit_of_work import UnitOfWork

# An hour's bookable places, by direction and hour (UTC).
Capacities = dict[tuple[Direction, datetime], int]


async def capacities(
    uow: UnitOfWork, gate: Gate, directions: Sequence[Direction], start: datetime, end: datetime
) -> Capacities:
    """Each hour's bookable capacity in ``[start, end)`` by the calendar now."""
    found: Capacities = {}
    for direction in directions:
        calendar = await load_calendar(uow, gate, direction, start, end)
        for hour in hours_between(start, end):
            found[(direction, hour)] = calendar.capacity(hour).capacity
    return found


# Rows per INSERT when materialising hours: well under SQLite's bound on a statement's
# parameters (999 before SQLite 3.32) at the six columns of a slot.
_ROWS_PER_INSERT = 150


async def materialise(uow: UnitOfWork, gate: Gate, changed: Capacities) -> None:
    """Give every ``changed`` hour its slot row (``INSERT … ON CONFLICT DO NOTHING``, in the
    order of direction and hour, the order a check-in batch materialises its walk-in hours),
    with its new capacity; rows already there are left to ``refresh_slot_capacities``.

    Why: a first booking of an hour racing this transaction would otherwise materialise the
    hour with the capacity it read before the announcement committed, a row this
    transaction cannot see, and keep it after both commit. With the row inserted here, that
    booking's insert waits for this transaction (PostgreSQL) and then takes its place in this
    row under the new capacity; SQLite serialises writers anyway."""
    rows = [
        {
            "id": new_id(),
            "gate_id": gate.id,
            "direction": direction.value,
            "starts_at": hour,
            "capacity": places,
            "booked": 0,
        }
        for (direction, hour), places in sorted(changed.items())
    ]
    for at in range(0, len(rows), _ROWS_PER_INSERT):
        insert = conflict_insert(uow.session)(Slot).values(rows[at : at + _ROWS_PER_INSERT])
        await uow.session.execute(
            insert.on_conflict_do_nothing(index_elements=["gate_id", "direction", "starts_at"])
        )

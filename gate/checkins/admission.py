"""The walk-ins of a batch given their places in one statement (PostgreSQL): the gate's
queue-count lock, then the slot rows of every hour they arrived in (each direction's) locked
in id order and their free places taken (issue 20: two round trips made one, and then one
for a batch of both directions' walk-ins, which took five). The walk-ins that got one are
inserted next (gate/checkins/places.py).

The lock order stays bookings, counts, slots (docs/architecture.md, "Lock order"): the
batch's bookings are locked before, and within the statement the count lock is a one-time
filter of the slot rows' scan, so it is taken before any of them is locked; the rows are
locked in ascending id order (PostgreSQL's LockRows sits above the sort). SQLite, a batch
one of whose hours has no row yet, or one that gives places back take the general path of
gate/checkins/places.py instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, bindparam, text

from gate.domain.time import as_utc
from gate.store.unit_of_work import UnitOfWork
from gate.yard.counts import counts_lock_key

# The hours asked for, as arrays (``n``: the hour's place in them). When one of them has no
# slot row yet, no row is locked and no place taken (the count of rows found guards the
# scan); the caller then takes the general path.
_ADMIT_ON_POSTGRES = text(
    """
    WITH counted AS (SELECT pg_advisory_xact_lock(hashtextextended(:counts_key, 0))),
    asked AS (
        SELECT * FROM unnest(CAST(:directions AS varchar[]), CAST(:starts AS timestamptz[]),
            CAST(:wanted AS integer[])) WITH ORDINALITY AS a(direction, starts_at, wanted, n)
    ),
    held AS (
        SELECT slots.id, slots.booked, slots.capacity, asked.wanted, asked.n
        FROM slots JOIN asked
            ON slots.direction = asked.direction AND slots.starts_at = asked.starts_at
        WHERE slots.gate_id = :gate_id
            AND EXISTS (SELECT 1 FROM counted)
            AND (
                SELECT count(*) FROM slots AS s JOIN asked AS a
                    ON s.direction = a.direction AND s.starts_at = a.starts_at
                WHERE s.gate_id = :gate_id
            ) = (SELECT count(*) FROM asked)
        ORDER BY slots.id
        FOR UPDATE OF slots
    )
    UPDATE slots
    SET booked = held.booked + GREATEST(0, LEAST(held.wanted, held.capacity - held.booked))
    FROM held
    WHERE slots.id = held.id
    RETURNING held.n, slots.id, GREATEST(0, LEAST(held.wanted, held.capacity - held.booked))
    """
).bindparams(bindparam("counts_key", type_=String), bindparam("gate_id", type_=String))


@dataclass(frozen=True, slots=True)
class Admitted:
    """An hour's slot and how many places it granted (to its first walk-ins)."""

    slot_id: str
    granted: int


# An hour walk-ins ask places in: (direction, the hour's start, how many places).
Asked = tuple[str, datetime, int]


async def admit_at(uow: UnitOfWork, gate_id: str, hours: Sequence[Asked]) -> list[Admitted] | None:
    """Take the gate's count lock, then lock the slot rows of ``hours`` (distinct) and take
    up to the places each asks, in one round trip: each hour's slot and places granted, in
    ``hours``' order. None when one of the hours has no slot row yet (the count lock may then
    be held, and nothing else was done). PostgreSQL only."""
    params = {
        "counts_key": counts_lock_key(gate_id),
        "gate_id": gate_id,
        "directions": [direction for direction, _, _ in hours],
        "starts": [as_utc(start) for _, start, _ in hours],
        "wanted": [wanted for _, _, wanted in hours],
    }
    rows = (await uow.session.execute(_ADMIT_ON_POSTGRES, params)).all()
    if not rows:
        return None
    if len(rows) != len(hours):  # slot rows are never deleted: this cannot be
        raise RuntimeError(f"{len(rows)} slot rows locked for {len(hours)} hours")
    granted = {int(n): Admitted(str(slot_id), int(places)) for n, slot_id, places in rows}
    return [granted[n] for n in range(1, len(hours) + 1)]

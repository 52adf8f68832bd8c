"""The walk-ins of one hour given their places in one statement (PostgreSQL): the gate's
queue-count lock, then the hour's slot row locked and its free places taken (issue 20: two
round trips made one). The walk-ins that got one are inserted next (gate/checkins/places.py).

The lock order stays bookings, counts, slots (docs/architecture.md, "Lock order"): the
batch's bookings are locked before, and within the statement the count lock is a one-time
filter of the slot row's scan, so it is taken before that row is locked. SQLite, a batch
whose hour has no row yet, or one that touches several slot rows take the general path of
gate/checkins/places.py instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, bindparam, text

from gate.store.types import UtcDateTime
from gate.store.unit_of_work import UnitOfWork
from gate.yard.counts import counts_lock_key

_ADMIT_ON_POSTGRES = text(
    """
    WITH counted AS (SELECT pg_advisory_xact_lock(hashtextextended(:counts_key, 0))),
    held AS (
        SELECT id, booked, capacity FROM slots
        WHERE gate_id = :gate_id AND direction = :direction AND starts_at = :starts_at
            AND EXISTS (SELECT 1 FROM counted)
        FOR UPDATE
    )
    UPDATE slots
    SET booked = held.booked + GREATEST(0, LEAST(:wanted, held.capacity - held.booked))
    FROM held
    WHERE slots.id = held.id
    RETURNING slots.id, GREATEST(0, LEAST(:wanted, held.capacity - held.booked))
    """
).bindparams(
    bindparam("counts_key", type_=String),
    bindparam("gate_id", type_=String),
    bindparam("direction", type_=String),
    bindparam("starts_at", type_=UtcDateTime()),
    bindparam("wanted", type_=Integer),
)


@dataclass(frozen=True, slots=True)
class Admitted:
    """The hour's slot and how many places it granted (to the first walk-ins)."""

    slot_id: str
    granted: int


async def admit_at(
    uow: UnitOfWork, gate_id: str, direction: str, start: datetime, wanted: int
) -> Admitted | None:
    """Take the gate's count lock, then lock the hour ``start`` of ``direction`` and take up
    to ``wanted`` of its places, in one round trip; None when the hour has no slot row yet
    (the count lock is then held, and nothing else was done). PostgreSQL only."""
    params = {
        "counts_key": counts_lock_key(gate_id),
        "gate_id": gate_id,
        "direction": direction,
        "starts_at": start,
        "wanted": wanted,
    }
    row = (await uow.session.execute(_ADMIT_ON_POSTGRES, params)).first()
    return None if row is None else Admitted(str(row[0]), int(row[1]))

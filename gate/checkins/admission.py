"""The walk-ins of one hour admitted in one statement (PostgreSQL): the gate's queue-count lock,
the hour's slot row locked and its free places taken, and the walk-ins that got one inserted,
first come first served (issue 20: three round trips made one).

The lock order stays bookings, counts, slots (docs/architecture.md, "Lock order"): the
batch's bookings are locked before, and within the statement the count lock is a one-time
filter of the slot row's scan, so it is taken before that row is locked. SQLite, a batch
whose hour has no row yet, or one that touches several slot rows take the general path of
gate/checkins/places.py instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, bindparam, text

from gate.domain.time import as_utc
from gate.store.booking_rows import BookingRow
from gate.store.types import UtcDateTime
from gate.store.unit_of_work import UnitOfWork
from gate.yard.counts import counts_lock_key

# What a walk-in booking holds when it is stored (the rest stays NULL or its default).
WALK_IN_COLUMNS = (
    *("id", "code", "enterprise_id", "gate_id", "direction", "slot_id", "slot_start"),
    *("plate", "active_plate", "trailer_plate", "active_trailer_plate"),
    *("perishable", "status", "version", "walk_in"),
    *("queue_class", "queue_behind", "arrived_at", "missed_calls"),
)
_TYPES = {
    **dict.fromkeys(("slot_start", "arrived_at", "created_at", "updated_at"), "timestamptz"),
    **dict.fromkeys(("perishable", "walk_in", "queue_behind"), "boolean"),
    **dict.fromkeys(("version", "missed_calls", "n"), "integer"),
}
_INSERTED = [c for c in WALK_IN_COLUMNS if c != "slot_id"] + ["created_at", "updated_at"]
_DEFINED = ", ".join(f"{c} {_TYPES.get(c, 'varchar')}" for c in [*_INSERTED, "n"])
_ADMIT_ON_POSTGRES = text(
    f"""
    WITH counted AS (SELECT pg_advisory_xact_lock(hashtextextended(:counts_key, 0))),
    held AS (
        SELECT id, booked, capacity FROM slots
        WHERE gate_id = :gate_id AND direction = :direction AND starts_at = :starts_at
            AND EXISTS (SELECT 1 FROM counted)
        FOR UPDATE
    ),
    taken AS (
        UPDATE slots
        SET booked = held.booked + GREATEST(0, LEAST(:wanted, held.capacity - held.booked))
        FROM held
        WHERE slots.id = held.id
        RETURNING slots.id, GREATEST(0, LEAST(:wanted, held.capacity - held.booked)) AS granted
    ),
    stored AS (
        INSERT INTO bookings ({", ".join(_INSERTED)}, slot_id)
        SELECT {", ".join(f"w.{c}" for c in _INSERTED)}, taken.id
        FROM taken, json_to_recordset(CAST(CAST(:rows AS text) AS json)) AS w({_DEFINED})
        WHERE w.n <= taken.granted
        ORDER BY w.n
        ON CONFLICT (active_plate) DO NOTHING
        RETURNING id
    )
    SELECT taken.id, taken.granted, (SELECT array_agg(id) FROM stored) FROM taken
    """  # noqa: S608 (the names put in are this module's constants, never input)
).bindparams(
    bindparam("counts_key", type_=String),
    bindparam("gate_id", type_=String),
    bindparam("direction", type_=String),
    bindparam("starts_at", type_=UtcDateTime()),
    bindparam("wanted", type_=Integer),
)


@dataclass(frozen=True, slots=True)
class Admitted:
    """The hour's slot, how many places it granted (to the first walk-ins), and the ids of
    the walk-ins stored (one whose truck another process checked in meanwhile is not)."""

    slot_id: str
    granted: int
    stored: frozenset[str]


async def admit_at(
    uow: UnitOfWork,
    gate_id: str,
    direction: str,
    start: datetime,
    walk_ins: Sequence[BookingRow],
    now: datetime,
) -> Admitted | None:
    """Admit ``walk_ins`` (in order, rows not yet stored) into the hour ``start`` of
    ``direction``, in one round trip; None when the hour has no slot row yet (the count lock
    is then held, and nothing else was done). PostgreSQL only."""
    rows = [_row(booking, n, now) for n, booking in enumerate(walk_ins, 1)]
    params = {
        "counts_key": counts_lock_key(gate_id),
        "gate_id": gate_id,
        "direction": direction,
        "starts_at": start,
        "wanted": len(walk_ins),
        "rows": json.dumps(rows),
    }
    row = (await uow.session.execute(_ADMIT_ON_POSTGRES, params)).first()
    if row is None:
        return None
    return Admitted(str(row[0]), int(row[1]), frozenset(row[2] or ()))


def _row(booking: BookingRow, n: int, now: datetime) -> dict[str, Any]:
    row: dict[str, Any] = {column: getattr(booking, column) for column in WALK_IN_COLUMNS}
    row["created_at"] = row["updated_at"] = now
    del row["slot_id"]
    row["n"] = n
    return {k: as_utc(v).isoformat() if isinstance(v, datetime) else v for k, v in row.items()}

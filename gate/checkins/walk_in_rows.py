"""The walk-ins' bookings of a check-in batch inserted: on PostgreSQL by one statement of one
shape whatever the batch's size, each column given as one array parameter (encoded by
asyncpg), as an executemany had SQLAlchemy process every row's twenty parameters one by one
(issue 20, the batch's CPU); on SQLite by an executemany of the same columns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.dialects import sqlite

from gate.domain.time import as_utc
from gate.fees.fixing import FeeDraft
from gate.store.booking_rows import BookingRow
from gate.store.tables import Booking
from gate.store.tables.base import table_of
from gate.store.types import UtcDateTime
from gate.store.unit_of_work import UnitOfWork

# What a walk-in booking holds when it is stored (the rest stays NULL or its server default),
# besides its times made and its fee's hold: on PostgreSQL one array parameter per column,
# named as the column.
_COLUMNS = (
    *("id", "code", "enterprise_id", "gate_id", "direction", "slot_id", "slot_start"),
    *("plate", "active_plate", "trailer_plate", "active_trailer_plate"),
    *("perishable", "status", "version", "walk_in"),
    *("queue_class", "queue_behind", "arrived_at", "missed_calls"),
)
_TIMES = frozenset({"slot_start", "arrived_at"})
# Rows inserted in the batch's order (``n``), as the executemany inserted them; a truck another
# process checked in meanwhile holds its plate (ON CONFLICT: its row is not inserted).
_INSERT = text(
    """
    INSERT INTO bookings (id, code, enterprise_id, gate_id, direction, slot_id, slot_start,
        plate, active_plate, trailer_plate, active_trailer_plate, perishable, status, version,
        walk_in, queue_class, queue_behind, arrived_at, missed_calls, fee_unpaid, created_at,
        updated_at)
    SELECT id, code, enterprise_id, gate_id, direction, slot_id, slot_start,
        plate, active_plate, trailer_plate, active_trailer_plate, perishable, status, version,
        walk_in, queue_class, queue_behind, arrived_at, missed_calls, fee_unpaid, :now, :now
    FROM unnest(
        CAST(:id AS varchar[]), CAST(:code AS varchar[]), CAST(:enterprise_id AS varchar[]),
        CAST(:gate_id AS varchar[]), CAST(:direction AS varchar[]),
        CAST(:slot_id AS varchar[]), CAST(:slot_start AS timestamptz[]),
        CAST(:plate AS varchar[]), CAST(:active_plate AS varchar[]),
        CAST(:trailer_plate AS varchar[]), CAST(:active_trailer_plate AS varchar[]),
        CAST(:perishable AS boolean[]), CAST(:status AS varchar[]),
        CAST(:version AS integer[]), CAST(:walk_in AS boolean[]),
        CAST(:queue_class AS varchar[]), CAST(:queue_behind AS boolean[]),
        CAST(:arrived_at AS timestamptz[]), CAST(:missed_calls AS integer[]),
        CAST(:fee_unpaid AS boolean[])
    ) WITH ORDINALITY AS w(id, code, enterprise_id, gate_id, direction, slot_id, slot_start,
        plate, active_plate, trailer_plate, active_trailer_plate, perishable, status, version,
        walk_in, queue_class, queue_behind, arrived_at, missed_calls, fee_unpaid, n)
    ORDER BY w.n
    ON CONFLICT (active_plate) DO NOTHING
    RETURNING bookings.id
    """
).bindparams(bindparam("now", type_=UtcDateTime()))


_ON_SQLITE = (
    sqlite.insert(table_of(Booking))
    .on_conflict_do_nothing(index_elements=["active_plate"])
    .returning(table_of(Booking).c.id)
)


async def insert_walk_ins(
    uow: UnitOfWork,
    bookings: Sequence[BookingRow],
    now: datetime,
    fees: Sequence[FeeDraft | None],
) -> set[str]:
    """Insert the walk-ins' ``bookings`` (created and updated ``now``; each held while its
    fee, ``fees``' entry at its index, if any, is unpaid), in their order; a truck another
    process checked in meanwhile holds its plate and its row is not inserted: the ids of
    those inserted."""
    unpaid = [fee is not None and fee.holds_truck for fee in fees]
    if uow.session.get_bind().dialect.name != "postgresql":
        rows = [
            {
                **{column: getattr(booking, column) for column in _COLUMNS},
                "created_at": now,
                "updated_at": now,
                "fee_unpaid": held,
            }
            for booking, held in zip(bookings, unpaid, strict=True)
        ]
        return set(await uow.session.scalars(_ON_SQLITE, rows))
    params: dict[str, object] = {"now": now}
    for name in _COLUMNS:
        if name in _TIMES:
            params[name] = [
                None if (moment := getattr(booking, name)) is None else as_utc(moment)
                for booking in bookings
            ]
        else:
            params[name] = [getattr(booking, name) for booking in bookings]
    params["fee_unpaid"] = unpaid
    return set(await uow.session.scalars(_INSERT, params))

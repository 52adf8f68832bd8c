"""Rows PostgreSQL reads for the yard queue, by the size of the yard: the places of a check-in
batch (``places_in_queue``, what ``standing.queue_places`` runs for every batch) and one
projection of a gate's boards (``gate_state`` + ``public_board`` + ``officer_board``, what the
live projector runs for a due gate). A count, not a time: it does not move with what else the
machine runs.

    .venv/bin/python loadtests/queue_rows.py                  # yards of 100, 1,000, 10,000
    .venv/bin/python loadtests/queue_rows.py --yards 100 1000 --batch 20
    .venv/bin/python loadtests/queue_rows.py --history 200000   # a year's bookings beside

A scratch database (gate_bench_queue_rows) is migrated and seeded with Lạng Sơn's gates; for
each yard size, that many trucks are made to wait at Tân Thanh (both directions, every class,
about a third behind, slots of the last four hours), then ``--batch`` walk-ins join at the
back and their places are asked, and the gate is projected once, each inside a transaction
that is rolled back. Rows read = tuples returned by sequential scans of the application's
tables plus index entries returned by their indexes, from PostgreSQL's statistics of the
measuring transaction itself (``pg_stat_get_xact_tuples_returned``), so nothing else running
on the server is counted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.bookings import BookingStatus
from gate.domain.queue import QueueClass
from gate.domain.slots import Direction
from gate.domain.time import floor_to_slot, utc_now
from gate.gates.calendar import gate_by_code
from gate.gates.seed import seed_lang_son
from gate.gates.slots import ensure_slot
from gate.live.projections import gate_state, officer_board, public_board
from gate.store.database import create_engine, create_session_factory
from gate.store.migrate import upgrade
from gate.store.tables import Booking, Gate
from gate.store.types import new_id
from gate.store.unit_of_work import UnitOfWork
from gate.yard.places import places_in_queue
from loadtests.machine import scratch_database

ROWS_READ = text(
    "SELECT (SELECT coalesce(sum(pg_stat_get_xact_tuples_returned(relid)), 0)"
    "          FROM pg_stat_user_tables)"
    "     + (SELECT coalesce(sum(pg_stat_get_xact_tuples_returned(indexrelid)), 0)"
    "          FROM pg_stat_user_indexes)"
)


async def rows_read(uow: UnitOfWork) -> int:
    """Rows returned to this transaction so far by scans of user tables and their indexes."""
    return int(await uow.session.scalar(ROWS_READ) or 0)


def truck(gate: Gate, slots: dict[Any, str], n: int, chance: random.Random, **fields: Any) -> dict:
    now = utc_now()
    direction = chance.choice(list(Direction))
    slot_start = fields.pop("slot_start", None) or floor_to_slot(now) - timedelta(
        hours=chance.randint(0, 3)
    )
    plate = f"29Q-{n:06d}"
    values = {
        "id": new_id(),
        "code": f"Q{n:09d}",
        "gate_id": gate.id,
        "direction": direction.value,
        "slot_id": slots[direction, slot_start],
        "slot_start": slot_start,
        "plate": plate,
        "active_plate": plate,
        "status": BookingStatus.ARRIVED.value,
        "walk_in": True,
        "queue_class": chance.choice(list(QueueClass)).value,
        "queue_behind": chance.random() < 0.3,
        "arrived_at": now - timedelta(minutes=chance.randint(1, 240)),
    }
    values.update(fields)
    return values


# Bookings that left the yard long ago: a copy of one waiting truck per number, exited.
HISTORY = text(
    "INSERT INTO bookings (id, code, gate_id, direction, slot_id, slot_start, plate, status,"
    " version, updated_at, created_at, walk_in, queue_class, queue_behind, arrived_at,"
    " called_at, predicted_call_at, exited_at, perishable, missed_calls)"
    " SELECT 'h' || n, 'H' || n, gate_id, direction, slot_id, slot_start - interval '30 days',"
    " plate, 'exited', 1, updated_at, created_at, walk_in, queue_class, queue_behind,"
    " arrived_at - interval '30 days', arrived_at - interval '30 days',"
    " arrived_at - interval '30 days', arrived_at - interval '30 days', perishable, 0"
    " FROM generate_series(1, :history) AS n, (SELECT * FROM bookings LIMIT 1) AS one"
)


async def fill_yard(engine: Any, factory: Any, size: int, history: int) -> None:
    chance = random.Random(size)
    async with UnitOfWork(factory, InMemoryEventBus()) as uow:
        gate = await gate_by_code(uow, "tan-thanh")
        await uow.session.execute(delete(Booking))
        hour = floor_to_slot(utc_now())
        slots = {
            (d, hour - timedelta(hours=h)): await ensure_slot(
                uow, gate, d, hour - timedelta(hours=h)
            )
            for d in Direction
            for h in range(4)
        }
        rows = [truck(gate, slots, n, chance) for n in range(size)]
        for start in range(0, size, 1000):
            await uow.session.execute(insert(Booking), rows[start : start + 1000])
        if history:
            await uow.session.execute(HISTORY, {"history": history})
        await uow.commit()
    # As autovacuum leaves it: the yard was written in one go, which the running platform
    # never does (the counts' rows would otherwise carry 10,000 dead versions).
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE"))


async def measure(factory: Any, size: int, batch: int) -> tuple[float, int]:
    """(rows read per check-in of a batch of ``batch`` walk-ins, rows read per projection)."""
    chance = random.Random(-size)
    async with UnitOfWork(factory, InMemoryEventBus()) as uow:
        gate = await gate_by_code(uow, "tan-thanh")
        hour = floor_to_slot(utc_now())
        slots = {(d, hour): await ensure_slot(uow, gate, d, hour) for d in Direction}
        now = utc_now()
        joined = [
            truck(gate, slots, 900_000 + n, chance, slot_start=hour, queue_behind=True)
            | {"arrived_at": now + timedelta(seconds=n), "queue_class": "regular"}
            for n in range(batch)
        ]
        await uow.session.execute(insert(Booking), joined)
        bookings = list(
            await uow.session.scalars(
                select(Booking).where(Booking.id.in_([v["id"] for v in joined]))
            )
        )
        pairs = [(b, n) for n, b in enumerate(bookings)]
        before = await rows_read(uow)
        places = await places_in_queue(uow, gate, pairs, pairs)
        per_checkin = (await rows_read(uow) - before) / batch
        assert all(place is not None for place in places)
        await uow.session.rollback()
    async with UnitOfWork(factory, InMemoryEventBus()) as uow:
        gate = await gate_by_code(uow, "tan-thanh")
        before = await rows_read(uow)
        now = utc_now()
        state = await gate_state(uow, gate, now, timedelta(days=14))
        await public_board(uow, state, now, [])
        await officer_board(uow, state, now)
        per_projection = await rows_read(uow) - before
    return per_checkin, per_projection


async def main(yards: list[int], batch: int, history: int) -> None:
    url = scratch_database("gate_bench_queue_rows").replace(
        "postgresql://", "postgresql+asyncpg://"
    )
    await asyncio.to_thread(upgrade, url)
    engine = create_engine(Settings(database_url=url))
    factory = create_session_factory(engine)
    try:
        async with UnitOfWork(factory, InMemoryEventBus()) as uow:
            await seed_lang_son(uow)
            await uow.commit()
        print(
            f"{'waiting':>8} {'rows/check-in':>14} {'rows/projection':>16}"
            f"  (batch of {batch}, {history} bookings of the past)"
        )
        for size in yards:
            await fill_yard(engine, factory, size, history)
            per_checkin, per_projection = await measure(factory, size, batch)
            print(f"{size:>8} {per_checkin:>14.1f} {per_projection:>16}")
    finally:
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--yards", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--history", type=int, default=0, help="exited bookings beside the yard")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.yards, arguments.batch, arguments.history))

"""Time ``capacity_use`` (gate/statistics/capacity.py) over a day to a year: 4 gates x 2
directions open 06:00-22:00, a slot row in every hour (the worst case: every hour booked).

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE truth_capbench"
    .venv/bin/python loadtests/capacity_bench.py postgresql://postgres@127.0.0.1:5432/truth_capbench

It drops and creates every table of the database it is given: a scratch database only."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from gate.config import Settings
from gate.statistics.capacity import capacity_use
from gate.statistics.reads import Grain, Scope
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Gate, GateDirection, Slot
from gate.store.tables.base import Base, table_of

START = datetime(2025, 1, 1, tzinfo=UTC)
WAYS = ("export", "import")


def _gates() -> list[dict[str, Any]]:
    return [
        {"id": f"g{i}", "code": f"g{i}", "name": f"g{i}", "name_en": f"g{i}"}
        | {"counterpart": "x", "province": "x", "kind": "road"}
        | {"grace_early_minutes": 30, "grace_late_minutes": 60, "call_timeout_minutes": 10}
        for i in range(4)
    ]


async def main(url: str) -> None:
    engine = create_engine(Settings(database_url=url))
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.run_sync(Base.metadata.create_all)
    factory = create_session_factory(engine)
    gates = _gates()
    async with factory() as session:
        await session.execute(insert(table_of(Gate)), gates)
        hours = {"hourly_capacity": 30, "opens_at": 6, "closes_at": 22}
        await session.execute(
            insert(table_of(GateDirection)),
            [{"gate_id": g["id"], "direction": d} | hours for g in gates for d in WAYS],
        )
        rows = [
            {"id": f"{g['id']}{d}{h}", "gate_id": g["id"], "direction": d}
            | {"starts_at": START + timedelta(hours=h), "capacity": 30, "booked": h % 30}
            for g in gates
            for d in WAYS
            for h in range(8760)
        ]
        for k in range(0, len(rows), 5000):
            await session.execute(insert(table_of(Slot)), rows[k : k + 5000])
        await session.commit()
    for gate in ("g0", None):
        for days in (1, 7, 30, 365):
            scope = Scope(START, START + timedelta(days=days), gate_id=gate)
            grain = Grain.HOUR if days == 1 else Grain.DAY
            times = []
            for _ in range(11):
                async with factory() as session:
                    began = time.perf_counter()
                    await capacity_use(session, scope, grain)
                    times.append((time.perf_counter() - began) * 1000)
            times = sorted(times[1:])
            name = "one gate" if gate else "all gates"
            median = statistics.median(times)
            print(f"{name} {days:>3} days: p50 {median:.1f} ms, max {times[-1]:.1f} ms")
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))

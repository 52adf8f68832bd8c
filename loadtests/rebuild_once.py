"""The statistics rebuild's writes (issue 17, "a rebuild that writes each row once"): a
scratch PostgreSQL database with ``--days`` days of ``statistics_year.py``'s history, rebuilt
in parts of ``--flush`` bookings, then each rollup's live and dead rows and updates as
pg_stat_user_tables counts them (no VACUUM: the rebuild's own commit only). Prints JSON;
drops the database at the end. ``--rebuild FILE`` measures another version of
``gate/statistics/rebuild.py`` (e.g. ``git show HEAD~1:gate/statistics/rebuild.py``)::

    nice -n 10 .venv/bin/python loadtests/rebuild_once.py --days 14 --flush 5000
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import LOCAL_TZ, as_utc
from gate.statistics import rebuild
from gate.store.database import create_engine, create_session_factory
from gate.store.unit_of_work import UnitOfWork
from loadtests import statistics_year
from loadtests.machine import BIN, PG_ADMIN, pg_tool, scratch_database, sh

ROLLUPS = (
    "statistics_hours",
    "statistics_times",
    "statistics_days",
    "statistics_day_times",
    "statistics_weekday_hours",
)


async def measure(url: str, flush: int, module: Any) -> dict[str, Any]:
    """Rebuild once (committed), then each rollup's rows as PostgreSQL's statistics count
    them, read once the rebuild's connections are closed (a backend reports at its exit)."""
    settings = Settings.from_env({**os.environ, "GATE_DATABASE_URL": url})
    engine = create_engine(settings)
    started = time.perf_counter()
    async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
        bookings = await module.rebuild_statistics(uow, flush=flush)
        await uow.commit()
    seconds = time.perf_counter() - started
    await engine.dispose()
    engine = create_engine(settings)
    query = text(
        "SELECT relname, n_live_tup, n_dead_tup, n_tup_upd FROM pg_stat_user_tables"
        " WHERE relname = ANY(:names) ORDER BY relname"
    )
    try:
        async with engine.connect() as connection:
            for _ in range(100):  # the closed backends' reports land within moments
                await connection.execute(text("SELECT pg_stat_clear_snapshot()"))
                rows = (await connection.execute(query, {"names": list(ROLLUPS)})).all()
                if rows and all(live for _, live, _, _ in rows):
                    break
                await asyncio.sleep(0.1)
    finally:
        await engine.dispose()
    return {
        "bookings": bookings,
        "flush": flush,
        "seconds": round(seconds, 1),
        "rows": {
            name: {"live": live, "dead": dead, "updated": upd} for name, live, dead, upd in rows
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=14, help="days of history before --end")
    parser.add_argument("--end", default="2026-11-29", help="the local day after the history")
    parser.add_argument("--flush", type=int, default=5000, help="bookings per part")
    parser.add_argument("--rebuild", help="another rebuild.py to measure")
    parser.add_argument("--database", default="gate_rebuild_once_bench")
    args = parser.parse_args()
    module: Any = rebuild
    if args.rebuild:
        spec = importlib.util.spec_from_file_location("other_rebuild", args.rebuild)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    statistics_year.DAYS = args.days
    end = as_utc(datetime.fromisoformat(args.end).replace(tzinfo=LOCAL_TZ))
    url = scratch_database(args.database)
    try:
        env = {**os.environ, "GATE_DATABASE_URL": url}
        sh(str(BIN / "gate"), "db", "upgrade", env=env)
        sh(str(BIN / "gate"), "db", "seed", env=env)
        asyncio.run(statistics_year.generate(url, end))
        print(json.dumps(asyncio.run(measure(url, args.flush, module)), indent=1))
    finally:
        sh(pg_tool("psql"), PG_ADMIN, "-q", "-c", f'DROP DATABASE "{args.database}" WITH (FORCE)')


if __name__ == "__main__":
    main()

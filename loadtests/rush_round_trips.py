"""Database round trips per booking attempt in a rush on one slot, one by one and decided
together (issue 20): a count that does not move with what else the machine runs.

    .venv/bin/python loadtests/rush_round_trips.py                  # 1,000 attempts, 100 places
    .venv/bin/python loadtests/rush_round_trips.py --attempts 2000 --concurrency 200

The app runs in this process on a scratch PostgreSQL database with the in-memory bus, once with
GATE_BOOKING_BATCH_MS=0 (each attempt in its request's transaction, as before the batches)
and once with the default (attempts on one slot decided together). Vehicles are registered
first (not counted); then ``--attempts`` bookings of distinct trucks into one hour of
``--capacity`` places are sent at once by ``--concurrency`` clients, each with an
Idempotency-Key, as loadtests/workloads.py::booking_rush sends them. Counted on the engine:
statements (each execute or executemany: one round trip with asyncpg), transactions begun and
committed (a round trip each), and the total per attempt, on writing connections only (the
live boards' projector, which reads on read-only ones, runs beside either way); with the
answers' statuses.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gate.bus.events import InMemoryEventBus
from gate.cli.database import seed
from gate.config import Settings, normalise_database_url
from gate.store.database import READ_ONLY_OPTION
from gate.store.migrate import upgrade
from loadtests.machine import scratch_database
from loadtests.workloads import rush_setup
from services.app import assemble_app, build_platform
from tests.asgi import in_process_client

ADMIN = {"Authorization": "Bearer rush-admin-token"}


async def count(
    database: str, batch_ms: float, attempts: int, capacity: int, clients: int
) -> dict[str, Any]:
    """The rush on a fresh ``database`` with GATE_BOOKING_BATCH_MS=``batch_ms``."""
    settings = dataclasses.replace(
        Settings(),
        database_url=normalise_database_url(database),
        admin_token="rush-admin-token",
        booking_batch_ms=batch_ms,
        booking_write_limit="1000000/second",
        sweep_seconds=0,
        outbox=False,
        redis_url=None,
        db_pool_size=20,
        db_pool_overflow=20,
    )
    await seed(settings)
    platform = build_platform(settings, InMemoryEventBus())
    app = assemble_app(platform, settings.parts)
    async with in_process_client(app, timeout=600) as client:
        bodies, headers = await rush_setup(client, attempts, capacity, ADMIN)
        counted: Counter[str] = Counter()
        engine = platform.engine.sync_engine

        def counter(name: str) -> Any:
            def counts(conn: Connection, *_: Any) -> None:
                # The writing transactions': the boards' projector reads on its own.
                if not conn.get_execution_options().get(READ_ONLY_OPTION):
                    counted[name] += 1

            return counts

        statement, begun = counter("statements"), counter("begins")
        committed, rolled_back = counter("commits"), counter("rollbacks")

        event.listen(engine, "before_cursor_execute", statement)
        event.listen(engine, "begin", begun)
        event.listen(engine, "commit", committed)
        event.listen(engine, "rollback", rolled_back)
        queue = list(reversed(bodies))
        statuses: Counter[int] = Counter()

        async def client_loop(http: httpx.AsyncClient) -> None:
            while queue:
                body = queue.pop()
                keyed = {**headers, "Idempotency-Key": uuid.uuid4().hex}
                answer = await http.post("/api/v1/bookings", json=body, headers=keyed)
                statuses[answer.status_code] += 1

        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
        for name, listener in (
            ("before_cursor_execute", statement),
            ("begin", begun),
            ("commit", committed),
            ("rollback", rolled_back),
        ):
            event.remove(engine, name, listener)
    trips = counted["statements"] + counted["begins"] + counted["commits"] + counted["rollbacks"]
    return {
        "booking_batch_ms": batch_ms,
        "attempts": attempts,
        "statuses": dict(sorted(statuses.items())),
        **{name: counted[name] for name in ("statements", "begins", "commits", "rollbacks")},
        "round_trips_per_attempt": round(trips / attempts, 2),
        "statements_per_attempt": round(counted["statements"] / attempts, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--capacity", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=200)
    args = parser.parse_args()
    results = []
    for batch_ms in (0.0, 2.0):
        database = scratch_database(f"gate_rush_trips_{int(batch_ms)}")
        upgrade(database)
        results.append(
            asyncio.run(count(database, batch_ms, args.attempts, args.capacity, args.concurrency))
        )
        print(json.dumps(results[-1]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

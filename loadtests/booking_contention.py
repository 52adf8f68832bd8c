"""Bookings of one gate hour, all at once: how many a second the platform confirms when every
booker wants the same slot row (the benchmark's preparation books its trucks so).

    .venv/bin/python loadtests/booking_contention.py --bookings 2000 --connections 64
    .venv/bin/python loadtests/booking_contention.py --checkout /tmp/gate-446df98  # older

It starts `gate serve` (two workers, as deployed) on a scratch PostgreSQL database and Redis,
registers the vehicles first (not timed), then books each of them into the current hour of
one gate over ``--connections`` keep-alive connections and prints bookings/s, the time and the
slowest answer. ``--checkout`` serves another working tree of the project (made with
`git worktree add`) with this one's virtual environment, to compare two commits on one
machine in one sitting. Traffic goes to 127.0.0.1 only; it stops everything it started.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from loadtests.harness import admin, enterprise_with_driver, open_gate, platform
from loadtests.machine import ROOT, free_port, scratch_database
from loadtests.rawhttp import RawConnection


async def book(
    base: str, count: int, connections: int, database: str | None, interleaved: bool
) -> dict[str, Any]:
    """Book ``count`` trucks into this hour of Cốc Nam; with ``interleaved`` each truck is
    registered just before its booking, on the same connection (as the benchmark prepares
    its trucks), and both are timed; else every truck is registered first, untimed."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        headers, driver = await enterprise_with_driver(client, admin(), "Rush", "079000077777")
    serial = uuid.uuid4().int % 80
    plates = [f"{10 + serial:02d}LC{n:05d}" for n in range(count)]
    vehicles: list[str] = []
    slowest = 0.0
    statuses: list[int] = []
    refusals: list[str] = []

    async def register(connection: RawConnection) -> str:
        body = {"plate": plates.pop(), "vehicle_type": "truck"}
        status, made = await connection.post("/api/v1/vehicles", json.dumps(body).encode(), headers)
        assert status == 201, made
        return str(json.loads(made)["id"])

    async def register_all(connection: RawConnection) -> None:
        while plates:
            vehicles.append(await register(connection))
        await connection.close()

    async def bookings(connection: RawConnection) -> None:
        nonlocal slowest
        while vehicles or (interleaved and plates):
            vehicle = await register(connection) if interleaved else vehicles.pop()
            # This hour, local time, as the benchmark books (the next one once it has begun).
            hour = time.strftime("%Y-%m-%dT%H:00:00+07:00", time.gmtime(time.time() + 7 * 3600))
            body = {
                "gate": "coc-nam",
                "direction": "export",
                "slot_start": hour,
                "vehicle_id": vehicle,
                "driver_id": driver["id"],
                "cargo": {"description": "rush", "weight_kg": 1000},
            }
            sent = time.monotonic()
            status, answer = await connection.post(
                "/api/v1/bookings", json.dumps(body).encode(), headers
            )
            if status != 201 and len(refusals) < 3:
                refusals.append(answer.decode()[:300])
            slowest = max(slowest, time.monotonic() - sent)
            statuses.append(status)
        await connection.close()

    if not interleaved:
        await asyncio.gather(*(register_all(RawConnection(base)) for _ in range(connections)))
    started = time.monotonic()
    watching = asyncio.create_task(watch(database)) if database else None
    await asyncio.gather(*(bookings(RawConnection(base)) for _ in range(connections)))
    took = time.monotonic() - started
    seen = {}
    if watching is not None:
        watching.cancel()
        seen = await watching
    return {
        "bookings": count,
        "interleaved": interleaved,
        "confirmed": statuses.count(201),
        "other_answers": {str(k): v for k, v in Counter(statuses).items() if k != 201},
        "seconds": round(took, 2),
        "bookings_per_s": round(statuses.count(201) / took, 1),
        "slowest_booking_answer_s": round(slowest, 3),
        **({"refusals": refusals} if refusals else {}),
        **({"sessions_seen": seen} if seen else {}),
    }


async def watch(database: str) -> dict[str, int]:
    """What the platform's sessions were doing, sampled every 50 ms until cancelled: how
    often each (state, wait, last statement) was seen, the most frequent first."""
    seen: Counter[str] = Counter()
    connection = await asyncpg.connect(database)
    try:
        while True:
            for row in await connection.fetch(
                "SELECT state, wait_event, left(query, 50) AS query FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND state <> 'idle'"
            ):
                seen[f"{row['state']} | {row['wait_event']} | {row['query']}"] += 1
            await asyncio.sleep(0.05)
    except asyncio.CancelledError:
        return dict(seen.most_common(12))
    finally:
        await connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the tree to serve")
    parser.add_argument(
        "--interleaved", action="store_true", help="register each truck before its booking"
    )
    parser.add_argument(
        "--watch", action="store_true", help="sample pg_stat_activity while booking"
    )
    args = parser.parse_args()
    database = scratch_database("gate_bench_booking_contention")
    namespace = f"bench-{uuid.uuid4().hex[:6]}"
    with platform(database, free_port(), namespace, args.workers, args.checkout) as (base, _):
        open_gate(base, gate="coc-nam")
        watched = database if args.watch else None
        result = asyncio.run(book(base, args.bookings, args.connections, watched, args.interleaved))
    print(json.dumps({"checkout": str(args.checkout), **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

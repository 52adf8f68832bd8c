"""What the benchmark offers the platform: check-ins at a fixed rate (Locust), booked trucks
made through the API for the booked check-ins, the booking rush on one slot, and the
websocket fan-out (loadtests/fanout.py in a process of its own)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from loadtests.fanout import platform_workers
from loadtests.harness import admin, enterprise_with_driver
from loadtests.machine import REDIS, ROOT, ceiling_server, pg_tool, scratch_database, sh
from loadtests.rawhttp import RawConnection


async def booking_rush(base: str, attempts: int, capacity: int) -> dict[str, Any]:
    """``attempts`` bookings of distinct vehicles on one slot with ``capacity`` places, all at
    once, as when a slot opens."""
    bodies, headers = await prepare_rush(base, attempts, capacity)
    took, statuses = await rush_attempts(base, bodies, headers)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        availability = (
            await client.get(
                "/api/v1/gates/tan-thanh/availability",
                params={"direction": "export", "from": bodies[0]["slot_start"], "hours": 1},
            )
        ).json()["slots"][0]
    return rush_result(attempts, capacity, took, statuses, availability["booked"])


async def prepare_rush(
    base: str, attempts: int, capacity: int
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """What a rush needs before it starts (``rush_setup``), made through the platform at
    ``base``: the attempts' bodies and the enterprise's headers."""
    async with httpx.AsyncClient(
        base_url=base,
        timeout=60,
        limits=httpx.Limits(max_connections=200, keepalive_expiry=2),
    ) as client:
        return await rush_setup(client, attempts, capacity, admin())


async def rush_setup(
    client: httpx.AsyncClient, attempts: int, capacity: int, admin_headers: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """An enterprise with a driver and ``attempts`` vehicles, one slot four hours ahead with
    ``capacity`` places, made through ``client`` (over HTTP or in process) as the admin of
    ``admin_headers``: the attempts' bodies (one per vehicle) and the enterprise's headers."""
    headers, driver = await enterprise_with_driver(client, admin_headers, "Rush", "079000099999")
    gate = asyncio.Semaphore(100)

    async def register(n: int) -> str:
        async with gate:
            plate = f"{10 + n // 100000 % 89:02d}C{n % 100000:05d}"
            made = await client.post(
                "/api/v1/vehicles",
                headers=headers,
                json={"plate": plate, "vehicle_type": "truck"},
            )
            return str(made.json()["id"])

    vehicles = await asyncio.gather(*(register(n) for n in range(attempts)))
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start_iso = datetime.fromtimestamp(hour.timestamp() + 4 * 3600, UTC).isoformat()
    (
        await client.post(
            "/api/v1/gates/tan-thanh/capacity-overrides",
            headers=admin_headers,
            json={"direction": "export", "starts_at": start_iso, "capacity": capacity},
        )
    ).raise_for_status()
    bodies = [
        {
            "gate": "tan-thanh",
            "direction": "export",
            "slot_start": start_iso,
            "vehicle_id": v,
            "driver_id": driver["id"],
            "cargo": {"description": "rush", "weight_kg": 1000},
        }
        for v in vehicles
    ]
    return bodies, headers


async def rush_attempts(
    base: str, bodies: list[dict[str, Any]], headers: dict[str, str]
) -> tuple[float, list[int]]:
    """``bodies`` POSTed to ``/api/v1/bookings`` all at once, each with ``headers`` and an
    idempotency key of its own: how long until all were answered (s) and their statuses.

    They go out on 200 bare keep-alive connections (loadtests/rawhttp.py): httpx cost about
    as much CPU per request as the platform, on the same cores."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    statuses: list[int] = []

    async def attempt_all(connection: RawConnection) -> None:
        try:
            while not queue.empty():
                body = queue.get_nowait()
                keyed = {**headers, "Idempotency-Key": uuid.uuid4().hex}
                status, _ = await connection.post(
                    "/api/v1/bookings", json.dumps(body).encode(), keyed
                )
                statuses.append(status)
        finally:
            await connection.close()

    started = time.monotonic()
    await asyncio.gather(*(attempt_all(RawConnection(base)) for _ in range(200)))
    return time.monotonic() - started, statuses


def rush_ceiling(attempts: int, capacity: int, server: str = "uvicorn") -> dict[str, Any]:
    """The rush's ceiling (loadtests/ceilings.py, ``rush``): ``attempts`` bookings of
    distinct vehicles on one slot of ``capacity`` places, each decided in one statement, sent
    by the platform's rush client (``rush_attempts``); booking_rush's figures."""
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start_iso = datetime.fromtimestamp(start.timestamp() + 4 * 3600, UTC).isoformat()
    with ceiling_server("rush", server=server) as (base, database):
        slot = f"('tan-thanh', 'export', '{start_iso}', 0, {capacity})"
        sh(pg_tool("psql"), database, "-q", "-c", f"INSERT INTO ceiling_slots VALUES {slot}")
        bodies = [
            {
                "gate": "tan-thanh",
                "direction": "export",
                "slot_start": start_iso,
                "vehicle_id": str(uuid.uuid4()),
                "driver_id": "rush-driver",
                "cargo": {"description": "rush", "weight_kg": 1000},
            }
            for _ in range(attempts)
        ]
        took, statuses = asyncio.run(rush_attempts(base, bodies, {}))
        stored = sh(pg_tool("psql"), database, "-Atc", "SELECT count(*) FROM ceiling_rush_bookings")
    return rush_result(attempts, capacity, took, statuses, int(stored))


async def booked_trucks(base: str, gate: str, counts: list[int]) -> tuple[list[Path], float]:
    """Trucks booked into the current hour of ``gate`` through the API, half for export, half
    for import: for each of ``counts`` a file of as many "direction plate" lines (for the wrk
    script and the fixed-rate Locust file), and how long the booking took."""
    count = sum(counts)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        headers, driver = await enterprise_with_driver(client, admin(), "Booked", "079000088888")
    pending = list(range(count))
    lines: list[str] = []

    async def book_all(connection: RawConnection) -> None:
        try:
            while pending:
                n = pending.pop()
                plate = f"{10 + n // 100000 % 89:02d}LD{n % 100000:05d}"  # a series of their own
                # This hour, local time (the next one if the preparation crosses the hour).
                hour = time.strftime("%Y-%m-%dT%H:00:00+07:00", time.gmtime(time.time() + 7 * 3600))
                direction = ("export", "import")[n % 2]
                status, made = await connection.post(
                    "/api/v1/vehicles",
                    json.dumps({"plate": plate, "vehicle_type": "truck"}).encode(),
                    headers,
                )
                assert status == 201, made
                body = {
                    "gate": gate,
                    "direction": direction,
                    "slot_start": hour,
                    "vehicle_id": json.loads(made)["id"],
                    "driver_id": driver["id"],
                    "cargo": {"description": "booked", "weight_kg": 1000},
                }
                status, booked = await connection.post(
                    "/api/v1/bookings", json.dumps(body).encode(), headers
                )
                if status == 422 and b"in the past" in booked:
                    # Sent in the last instant of the hour and heard in the next: that one.
                    body["slot_start"] = time.strftime(
                        "%Y-%m-%dT%H:00:00+07:00", time.gmtime(time.time() + 7 * 3600)
                    )
                    status, booked = await connection.post(
                        "/api/v1/bookings", json.dumps(body).encode(), headers
                    )
                assert status == 201, booked
                lines.append(f"{direction} {plate}")
        finally:
            await connection.close()

    started = time.monotonic()
    await asyncio.gather(*(book_all(RawConnection(base)) for _ in range(64)))
    took = time.monotonic() - started
    folder = Path(tempfile.mkdtemp(prefix="gate-bench-plates-"))
    paths, start = [], 0
    for n, size in enumerate(counts):
        path = folder / f"plates-{n}.txt"
        path.write_text("\n".join(lines[start : start + size]) + "\n")
        paths.append(path)
        start += size
    return paths, took


def run_fanout(
    viewers: int,
    seconds: int,
    attempts: int = 2,
    http_server: str = "uvicorn",
    watch: str = "boards",
) -> dict[str, Any]:
    """The fan-out harness in a process of its own, with a platform of its own: two
    processes or more (one process may hold at most its open-file limit of viewers, 20,000
    here: 3 for 50,000) fed by one projector through Redis, as deployed; the viewers come
    from a source address per client process (loadtests/wsviewers.py). Run again once if
    it could not finish (its platform failed to start, say), and its error shown if it
    fails twice. ``http_server``: what serves that platform, uvicorn or granian; ``watch``:
    the viewers watch the boards' broadcast server ("boards") or the API's own endpoint
    ("api")."""
    workers = platform_workers(viewers, least=2)
    command = [sys.executable, str(ROOT / "loadtests" / "fanout.py")]
    command += ["--viewers", str(viewers), "--seconds", str(seconds), "--workers", str(workers)]
    command += ["--http-server", http_server, "--server", watch]
    command += ["--redis-url", REDIS, "--database-url", scratch_database("gate_bench_fanout")]
    for attempt in range(attempts):
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode == 0 and "{" in done.stdout:
            return dict(json.loads(done.stdout[done.stdout.index("{") :]))
        print(f"fan-out run {attempt + 1} failed: {done.stderr[-2000:]}", file=sys.stderr)
    raise RuntimeError("the fan-out harness failed twice; see above")


def rush_result(
    attempts: int, capacity: int, took: float, statuses: list[int], stored: int
) -> dict[str, Any]:
    """A rush's figures as the benchmark keeps them: ``took`` seconds to answer every one of
    ``attempts`` on a slot of ``capacity``, the answers' ``statuses``, and the bookings the
    slot ``stored`` after it."""
    return {
        "attempts": attempts,
        "capacity": capacity,
        "seconds_to_answer_all": round(took, 2),
        "confirmed": statuses.count(201),
        "refused_409": statuses.count(409),
        "server_errors": sum(1 for s in statuses if s >= 500),
        "stored_booked": stored,
    }

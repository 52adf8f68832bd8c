"""``/metrics`` of real processes (issue 13): `gate serve --workers 2` on PostgreSQL and
Redis, and a boards' server process beside it. After bookings, check-ins and websocket
viewers, every series of gate/metrics.py is exposed, and a scrape answered by either worker
shows the figures of both: the requests counted equal the requests sent while the access
log shows two processes served them (prometheus-client's multiprocess mode, set up by
`gate serve`, gate/cli/metrics_dir.py)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import asyncpg
import httpx
import msgspec
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import ClientConnection, connect

from gate.config import Settings
from tests.e2e.server import ROOT, listening, port_of, running_platform
from tests.helpers import ADMIN_TOKEN, Api, device, open_all_day, read, tomorrow_at
from tests.services import POSTGRES_URL, outside_loop, worker

GATE = str(Path(sys.executable).with_name("gate"))
BOARD = "/ws/v1/gates/tan-thanh/board"
BOOKINGS = "/api/v1/bookings"
GATES = "/api/v1/gates"
CHECKINS = "/api/v1/gates/{code}/checkins"
CAPACITY = 3  # of the slot booked: the attempts past it are refused slot-full

Samples = dict[str, list[tuple[dict[str, str], float]]]


class Platform(msgspec.Struct):
    base: str  # the two workers' HTTP
    boards: str  # the boards' server's process: its HTTP
    boards_ws: str  # and its viewers' websocket base
    output: Path  # the two workers' log


@pytest.fixture(scope="module")
def platform(
    postgres_database: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    name = f"gate_metrics_{worker()}"

    async def recreate() -> None:
        connection = await asyncpg.connect(POSTGRES_URL)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()

    outside_loop(asyncio.run, recreate())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GATE_", "PROMETHEUS_"))}
    env.update(
        GATE_DATABASE_URL=f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}",
        GATE_REDIS_URL=redis_url,
        GATE_REDIS_NAMESPACE=f"metrics-{uuid.uuid4().hex[:8]}",
        GATE_ADMIN_TOKEN=ADMIN_TOKEN,
        GATE_AUTO_MIGRATE="false",
        GATE_SEED="false",
        GATE_SWEEP_SECONDS="0",
        GATE_DATA_DIR=str(tmp_path_factory.mktemp("metrics")),
    )
    for command in (["db", "upgrade"], ["db", "seed"]):
        subprocess.run([GATE, *command], env=env, cwd=ROOT, check=True, timeout=120)
    output = tmp_path_factory.mktemp("metrics-output") / "workers.log"
    boards = listening()
    with ExitStack() as stack:
        stack.enter_context(boards)
        base = stack.enter_context(
            running_platform(
                [GATE, "serve", "--workers", "2"], env, listening(), ready_within=90, output=output
            )
        )
        boards_base = stack.enter_context(
            running_platform(
                [GATE, "serve", "--parts", "boards"],
                env,
                listening(),
                ready_within=90,
                boards=boards,
            )
        )
        yield Platform(base, boards_base, f"ws://127.0.0.1:{port_of(boards)}", output)


def _samples(text: str) -> Samples:
    found: Samples = defaultdict(list)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name].append((sample.labels, sample.value))
    return found


def _sum(samples: Samples, name: str, **labels: str) -> float:
    assert name in samples, f"{name} is not exposed"
    return sum(
        value for found, value in samples[name] if all(found.get(k) == v for k, v in labels.items())
    )


async def _scrape(base: str) -> Samples:
    # A new connection each time: the kernel hands it to either worker.
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        answer = await client.get("/metrics")
    assert answer.status_code == 200, answer.text
    return _samples(answer.text)


def _served_by(output: Path, method: str, path: str) -> dict[int, int]:
    """How many ``method path`` requests each worker's access log line names, by pid."""
    served: dict[int, int] = defaultdict(int)
    for line in output.read_text().splitlines():
        if line.startswith("{"):
            entry = msgspec.json.decode(line)
            if entry["logger"] == "uvicorn.access" and f'"{method} {path} HTTP/' in entry["event"]:
                served[entry["pid"]] += 1
    return served


async def _both_started(output: Path) -> None:
    deadline = asyncio.get_running_loop().time() + 90
    while output.read_text().count("Application startup complete.") < 2:
        assert asyncio.get_running_loop().time() < deadline, "the second worker never started"
        await asyncio.sleep(0.2)


async def test_every_series_is_exposed_after_traffic_and_summed_over_both_workers(
    platform: Platform,
):
    await _both_started(platform.output)
    async with httpx.AsyncClient(base_url=platform.base, timeout=30) as client:
        api = Api(client)
        await open_all_day(api)
        slot = tomorrow_at(10)
        await api.set_capacity(slot, CAPACITY)
        enterprise = await api.enterprise()
        camera = await device(api)
        bodies = [
            enterprise.booking_body(await enterprise.vehicle(), await enterprise.driver(), slot)
            for _ in range(12)
        ]
    # One connection per request, so that both workers serve some (the kernel picks one per
    # connection).
    statuses = []
    for body in bodies:
        async with httpx.AsyncClient(base_url=platform.base, timeout=30) as client:
            answer = await client.post(BOOKINGS, json=body, headers=enterprise.headers)
        statuses.append(answer.status_code)
    sent = len(bodies)
    assert sorted(statuses) == [201] * CAPACITY + [409] * (sent - CAPACITY)
    plates = [f"29H{n:05d}" for n in range(6)]
    for plate in plates:
        async with httpx.AsyncClient(base_url=platform.base, timeout=30) as client:
            checked = await client.post(
                "/api/v1/gates/tan-thanh/checkins", json=read(plate), headers=camera
            )
        assert checked.status_code == 200, checked.text
    # Reads of the gates list, until the access log shows both workers served some (bounded).
    for _ in range(300):
        async with httpx.AsyncClient(base_url=platform.base, timeout=30) as client:
            assert (await client.get(GATES)).status_code == 200
        if len(_served_by(platform.output, "GET", GATES)) == 2:
            break
    served = _served_by(platform.output, "GET", GATES)
    assert len(served) == 2, f"one worker served every request: {dict(served)}"
    assert sum(_served_by(platform.output, "POST", BOOKINGS).values()) == sent

    viewers: list[ClientConnection] = []
    try:
        for ws in (platform.base.replace("http", "ws"), platform.boards_ws):
            viewer = await connect(ws + BOARD)
            viewers.append(viewer)
            await asyncio.wait_for(viewer.recv(), 10)  # the board's snapshot: it is open
        scrapes = [await _scrape(platform.base) for _ in range(6)]
        boards = await _scrape(platform.boards)
    finally:
        for viewer in viewers:
            await viewer.close()

    for samples in scrapes:
        # Requests: as many as both workers' access logs name, whichever worker answers the
        # scrape; every booking attempt sent, by status.
        gates = _sum(samples, "gate_http_requests_total", method="GET", route=GATES)
        assert gates == sum(served.values()), (gates, dict(served))
        assert _sum(samples, "gate_http_requests_total", method="POST", route=BOOKINGS) == sent
        assert (
            _sum(samples, "gate_http_request_duration_seconds_count", method="POST", route=BOOKINGS)
            == sent
        )
        assert (
            _sum(samples, "gate_http_requests_total", route=BOOKINGS, status="409")
            == sent - CAPACITY
        )
        assert _sum(samples, "gate_http_requests_total", method="POST", route=CHECKINS) == 6
        assert _sum(samples, "gate_http_request_duration_seconds_bucket", route=CHECKINS) > 0
        # No raw path, plate or id as a label: routes are templates.
        routes = {labels["route"] for labels, _ in samples["gate_http_requests_total"]}
        assert not any("29H" in route or "tan-thanh" in route for route in routes), routes
        # Bookings and check-ins by outcome; the check-ins' batches.
        assert _sum(samples, "gate_bookings_total", outcome="booked") == CAPACITY
        assert _sum(samples, "gate_bookings_total", outcome="slot-full") == sent - CAPACITY
        assert _sum(samples, "gate_checkins_total", outcome="walk_in") == len(plates)
        assert _sum(samples, "gate_checkin_batch_size_sum") == len(plates)
        assert 1 <= _sum(samples, "gate_checkin_batch_size_count") <= len(plates)
        # The yard queue, per gate and direction (read from the database at the scrape).
        assert _sum(samples, "gate_queue_length", gate="tan-thanh", direction="export") == len(
            plates
        )
        assert _sum(samples, "gate_queue_length", gate="tan-thanh", direction="import") == 0
        # One viewer on the workers' websocket routes.
        assert _sum(samples, "gate_websocket_viewers", part="realtime") == 1
        # The bus: nothing failed; the events were read back by the boards of both workers.
        assert _sum(samples, "gate_bus_publish_failures_total") == 0
        assert _sum(samples, "gate_bus_lag_seconds_count") > 0
        # The database pools: each worker's limit, added up; checkouts were timed.
        defaults = Settings.from_env({})
        limit = defaults.db_pool_size + defaults.db_pool_overflow
        assert _sum(samples, "gate_db_pool_connections_limit", pool="primary") == 2 * limit
        assert _sum(samples, "gate_db_pool_wait_seconds_count", pool="primary") > 0
        assert "gate_db_pool_connections_in_use" in samples
        # The outbox's figures are still there.
        assert "gate_outbox_events_unexpanded" in samples
    # The boards' server, a process of its own, counts its viewer under its part.
    assert _sum(boards, "gate_websocket_viewers", part="boards") == 1

"""PostgreSQL stopped, started, and run as a read-only standby under the platform's feet: every
answer is a success or a 503 that says which fault it met, never a 500; nothing acknowledged
is lost; the platform serves again by itself once the database does.

The database is a cluster of the tests' own (tests/own_services.py), on a Unix socket in a
temporary folder: stopping it disturbs nobody else.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import utc_now
from gate.store.migrate import upgrade
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.helpers import ADMIN_TOKEN, Api, admin, device, open_all_day, tomorrow_at
from tests.own_services import OwnPostgres
from tests.services import outside_loop, seed_database

pytestmark = pytest.mark.postgres
CHECKINS = "/api/v1/gates/tan-thanh/checkins"
STREAMS = 3  # devices sending at once
_plates = itertools.count(1)


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    """One cluster for the module, migrated and seeded once; each test leaves it running as a
    primary."""
    server = OwnPostgres()
    try:
        server.start()

        async def create() -> None:
            connection = await asyncpg.connect(server.dsn())
            try:
                await connection.execute("CREATE DATABASE gate")
            finally:
                await connection.close()

        outside_loop(asyncio.run, create())
        outside_loop(upgrade, server.url("gate"))
        outside_loop(asyncio.run, seed_database(server.url("gate")))
        yield server
    finally:
        server.remove()


@pytest.fixture
async def api(own_postgres: OwnPostgres, tmp_path: Path) -> AsyncIterator[Api]:
    settings = Settings(
        data_dir=tmp_path,
        database_url=own_postgres.url("gate"),
        admin_token=ADMIN_TOKEN,
        sweep_seconds=0,
        db_pool_timeout_s=5,  # bounded: a request never waits out the drill for a connection
    )
    async with in_process_client(app_for(settings, InMemoryEventBus())) as client:
        yield Api(client)


def _read() -> dict[str, Any]:
    n = next(_plates)
    return {
        "event_id": f"drill-{n}",
        "observed_at": utc_now().isoformat(),
        "plate": f"29H-{n:05d}",
    }


Sent = list[tuple[dict[str, Any], httpx.Response]]


async def _stream(
    client: httpx.AsyncClient, headers: dict[str, str], until: asyncio.Event, sent: Sent
) -> None:
    """Check-ins one after another until ``until`` is set, each (event, answer) into ``sent``."""
    while not until.is_set():
        event = _read()
        sent.append((event, await client.post(CHECKINS, json=event, headers=headers)))
        await asyncio.sleep(0.01)  # pace the stream: a 503 comes back at once


async def _until(condition: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {within} s")
        await asyncio.sleep(0.01)


def _count(sent: Sent, status: int) -> int:
    return sum(1 for _, answer in sent if answer.status_code == status)


async def test_postgres_stopped_and_started_under_check_ins_answers_2xx_or_503_and_loses_nothing(
    api: Api, own_postgres: OwnPostgres
):
    await open_all_day(api, capacity=5000)
    camera = await device(api)
    done = asyncio.Event()
    sent: Sent = []
    streams = [asyncio.create_task(_stream(api.client, camera, done, sent)) for _ in range(STREAMS)]
    try:
        await _until(lambda: _count(sent, 200) >= 10, 20, "check-ins before the drill")
        await asyncio.to_thread(own_postgres.stop, "fast")
        await _until(lambda: _count(sent, 503) >= STREAMS, 20, "check-ins meeting no database")
        await asyncio.to_thread(own_postgres.start)
        # Served again without a restart: check-ins sent after the start are acknowledged.
        after = _count(sent, 200)
        await _until(lambda: _count(sent, 200) >= after + 10, 20, "check-ins after the start")
    finally:
        done.set()
        await asyncio.gather(*streams)

    statuses = {answer.status_code for _, answer in sent}
    assert statuses <= {200, 503}, [a.text for _, a in sent if a.status_code not in {200, 503}]
    for _, answer in sent:
        if answer.status_code == 503:
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["reason"] in {"shutting-down", "starting-up", "unreachable"}
    acknowledged = [event["event_id"] for event, answer in sent if answer.status_code == 200]
    connection = await asyncpg.connect(own_postgres.dsn("gate"))
    try:
        stored = {
            r["event_id"] for r in await connection.fetch("SELECT event_id FROM checkin_records")
        }
    finally:
        await connection.close()
    assert set(acknowledged) <= stored


async def test_a_read_only_standby_answers_503_read_only_and_writes_resume_on_promotion(
    api: Api, own_postgres: OwnPostgres
):
    enterprise = await api.enterprise()
    vehicle, driver = await enterprise.vehicle(), await enterprise.driver()
    body = enterprise.booking_body(vehicle, driver, tomorrow_at(9))

    # A real hot standby: started in recovery (standby.signal), it serves reads only.
    await asyncio.to_thread(own_postgres.stop, "fast")
    (own_postgres.data / "standby.signal").touch()
    await asyncio.to_thread(own_postgres.start)
    try:
        refused = await api.client.post("/api/v1/bookings", json=body, headers=enterprise.headers)
        assert refused.status_code == 503, refused.text
        assert refused.json()["reason"] == "read-only"
        assert "read-only" in refused.json()["detail"]
        assert (await api.client.get("/api/v1/gates")).status_code == 200  # reads go on
        ready = await api.client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["database"] == "read-only"
    finally:
        await asyncio.to_thread(own_postgres.promote)

    booked = await api.client.post("/api/v1/bookings", json=body, headers=enterprise.headers)
    assert booked.status_code == 201, booked.text
    assert (await api.client.get("/health/ready")).status_code == 200


async def test_a_database_in_recovery_that_takes_no_connections_answers_503_starting_up(
    api: Api, own_postgres: OwnPostgres
):
    # A standby without hot standby refuses every connection with 57P03, as a server does
    # while it starts or replays its log after a crash: here for as long as the test wants.
    conf = own_postgres.data / "postgresql.conf"
    plain = conf.read_text()
    await asyncio.to_thread(own_postgres.stop, "fast")
    (own_postgres.data / "standby.signal").touch()
    conf.write_text(plain + "hot_standby = off\n")
    await asyncio.to_thread(own_postgres.start)
    conf.write_text(plain)  # read at start only: the next start is a plain one
    try:
        for method, url in (("GET", "/api/v1/gates"), ("POST", "/api/v1/enterprises")):
            body = {"name": "Công ty TNHH Hồi phục", "tax_code": "4900999999"}
            answer = await api.client.request(method, url, json=body, headers=admin())
            assert answer.status_code == 503, answer.text
            assert answer.json()["reason"] == "starting-up"
            assert answer.headers["retry-after"] == "5"
        ready = await api.client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["database"] == "starting-up"
    finally:
        await asyncio.to_thread(own_postgres.promote)

    assert (await api.client.get("/api/v1/gates")).status_code == 200
    assert (await api.client.get("/health/ready")).status_code == 200

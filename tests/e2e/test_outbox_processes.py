"""Two dispatchers, two real processes, one PostgreSQL database (issue 15): every webhook is
delivered exactly once. Two `gate serve` processes, both with the outbox on and a short
poll, take the bookings of one enterprise through their HTTP APIs, each booking's changes
split between them; one real local receiver gets each delivery once by its webhook-id, every
event of every booking, in order per booking, each signed as Standard Webhooks verifies."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from standardwebhooks import Webhook

from tests.e2e.server import ROOT, listening, running_platform
from tests.helpers import ADMIN_TOKEN, Api, Enterprise, open_all_day, this_hour
from tests.receiver import Receiver
from tests.services import POSTGRES_URL, outside_loop, worker

GATE_BIN = str(Path(sys.executable).with_name("gate"))
BOOKINGS = 40
AT_ONCE = 8  # bookings under way at once, across both processes
TYPES = ("booking.created", "booking.rescheduled", "booking.cancelled")


@pytest.fixture(scope="module")
def two_dispatchers(
    postgres_database: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, str]]:
    """Two platform processes on one fresh database, both running the outbox's dispatcher
    with a 50 ms poll; yields their API bases and the database's URL (asyncpg's)."""
    name = f"gate_outbox_{worker()}"
    database = f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"

    async def recreate() -> None:
        connection = await asyncpg.connect(POSTGRES_URL)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()

    outside_loop(asyncio.run, recreate())
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATE_")}
    env.update(
        GATE_ADMIN_TOKEN=ADMIN_TOKEN,
        GATE_SWEEP_SECONDS="0",
        GATE_DATABASE_URL=database,
        GATE_REDIS_URL=redis_url,
        GATE_REDIS_NAMESPACE=f"outbox-{uuid.uuid4().hex[:8]}",
        GATE_AUTO_MIGRATE="false",
        GATE_SEED="false",
        GATE_DATA_DIR=str(tmp_path_factory.mktemp("outbox")),
        GATE_OUTBOX="on",
        GATE_OUTBOX_POLL_S="0.05",
        GATE_WEBHOOK_ALLOW_PRIVATE="on",  # the receiver is on 127.0.0.1
    )
    for command in (["db", "upgrade"], ["db", "seed"]):
        subprocess.run([GATE_BIN, *command], env=env, cwd=ROOT, check=True, timeout=120)
    with ExitStack() as stack:
        first, second = (
            stack.enter_context(
                running_platform([GATE_BIN, "serve"], env, listening(), ready_within=60)
            )
            for _ in range(2)
        )
        yield first, second, database


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = await Receiver().start()
    yield receiver
    await receiver.close()


async def _changes(booking: Enterprise, other: Enterprise, n: int) -> tuple[str, list[str]]:
    """Booking ``n``: made through one process, moved through the other, and every fourth
    cancelled through the first again. Its id and the webhook types it should cause, in
    order."""
    made = await booking.book(this_hour(1))
    assert made.status_code == 201, made.text
    booking_id = made.json()["id"]
    moved = await other.api.client.post(
        f"/api/v1/bookings/{booking_id}/reschedule",
        json={"slot_start": this_hour(2).isoformat(), "version": 1},
        headers=other.headers,
    )
    assert moved.status_code == 200, moved.text
    expected = ["booking.created", "booking.rescheduled"]
    if n % 4 == 0:
        cancelled = await booking.api.client.post(
            f"/api/v1/bookings/{booking_id}/cancel",
            json={"reason": "đổi kế hoạch"},
            headers=booking.headers,
        )
        assert cancelled.status_code == 200, cancelled.text
        expected.append("booking.cancelled")
    return booking_id, expected


async def _quiet(database: str) -> bool:
    """Whether the outbox is at rest: every event expanded, no delivery pending or leased
    (so no process is sending one, nor will)."""
    connection = await asyncpg.connect(database)
    try:
        busy = await connection.fetchval(
            "SELECT (SELECT count(*) FROM outbox_events WHERE expanded_at IS NULL)"
            " + (SELECT count(*) FROM deliveries"
            "    WHERE status = 'pending' OR lease_owner IS NOT NULL)"
        )
        return int(busy) == 0
    finally:
        await connection.close()


async def _stored(database: str) -> dict[str, str]:
    """Every webhook delivery the outbox holds: its id and status."""
    connection = await asyncpg.connect(database)
    try:
        rows = await connection.fetch("SELECT id, status FROM deliveries WHERE channel = 'webhook'")
        return {row["id"]: row["status"] for row in rows}
    finally:
        await connection.close()


async def test_two_dispatcher_processes_deliver_each_webhook_exactly_once_in_order(
    two_dispatchers: tuple[str, str, str], receiver: Receiver
):
    first, second, database = two_dispatchers
    async with (
        httpx.AsyncClient(base_url=first, timeout=30) as one,
        httpx.AsyncClient(base_url=second, timeout=30) as two,
    ):
        api = Api(one)
        await open_all_day(api)
        enterprise = await api.enterprise(key_scope="manager")
        endpoint = await one.post(
            "/api/v1/webhooks/endpoints",
            json={"url": receiver.url, "event_types": list(TYPES)},
            headers=enterprise.headers,
        )
        assert endpoint.status_code == 201, endpoint.text
        secret = endpoint.json()["secret"]
        through = [enterprise, Enterprise(Api(two), enterprise.id, enterprise.token)]
        room = asyncio.Semaphore(AT_ONCE)

        async def change(n: int) -> tuple[str, list[str]]:
            async with room:
                return await _changes(through[n % 2], through[(n + 1) % 2], n)

        expected = dict(await asyncio.gather(*(change(n) for n in range(BOOKINGS))))

    total = sum(len(types) for types in expected.values())
    await receiver.wait_for(lambda: len(receiver.requests) >= total, timeout=120)
    async with asyncio.timeout(60):
        while not await _quiet(database):
            await asyncio.sleep(0.05)

    ids = Counter(request.headers["webhook-id"] for request in receiver.requests)
    assert [each for each, times in ids.items() if times > 1] == []  # none twice
    assert (len(receiver.requests), len(ids)) == (total, total)
    stored = await _stored(database)
    assert stored == dict.fromkeys(ids, "delivered")  # each delivery made was sent, once
    got: dict[str, list[str]] = defaultdict(list)
    for request in receiver.requests:
        webhook: dict[str, Any] = Webhook(secret).verify(request.body.decode(), request.headers)
        got[webhook["data"]["booking_id"]].append(webhook["type"])
    assert dict(got) == expected  # every event of every booking, in order per booking

"""The benchmark's two ceilings shaped like the platform's work (loadtests/ceiling_batch.py)
do what its table says they do, counted, not timed: a check-in batch is 9 round trips
whatever its size, gives each new event a queue position and an unbroken hash-chained audit
entry, and nothing to an event id seen before; the rush's one statement per attempt confirms
exactly the slot's capacity. PostgreSQL only: the ceilings are asyncpg's, not the platform's
storage (which runs on both databases)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from loadtests.ceiling_batch import CHAIN, attempt_booking, decide_checkins
from loadtests.ceilings import _kept_as_is
from loadtests.machine import CEILING_TABLES
from tests.services import POSTGRES_URL, postgres_reachable, require_service, worker

Ceiling = tuple[asyncpg.Pool, list[str]]


@pytest.fixture
async def ceiling() -> AsyncIterator[Ceiling]:
    """A pool on a fresh database with the ceilings' tables, and the statements its
    connections sent (asyncpg's query log: one entry per round trip)."""
    require_service("PostgreSQL", postgres_reachable())
    name = f"gate_test_{worker()}_ceiling"
    admin = await asyncpg.connect(POSTGRES_URL)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    made = await asyncpg.connect(url)
    await made.execute(CEILING_TABLES)
    await made.close()
    sent: list[str] = []

    async def log_queries(connection: asyncpg.Connection) -> None:
        connection.add_query_logger(lambda record: sent.append(record.query))

    pool = await asyncpg.create_pool(
        url, min_size=1, max_size=4, init=log_queries, reset=_kept_as_is
    )
    try:
        yield pool, sent
    finally:
        await pool.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def reads(prefix: str, count: int) -> list[tuple[str, datetime, str | None]]:
    now = datetime.now(UTC)
    return [(f"{prefix}-{n}", now, f"29{prefix}{n:05d}") for n in range(count)]


async def test_a_check_in_batch_is_nine_round_trips_whatever_its_size(ceiling: Ceiling):
    pool, sent = ceiling
    published: list[str] = []

    async def publish(channel: str, message: str) -> None:
        published.append(message)

    # The first batch also learns the array types (asyncpg's introspection, once per pool).
    await decide_checkins(pool, publish, "tan-thanh", reads("A", 1))
    next_position = 2
    for size in (1, 10, 100):
        sent.clear()
        published.clear()
        positions = await decide_checkins(pool, publish, "tan-thanh", reads(f"B{size}", size))
        assert len(sent) + len(published) == 9
        assert sorted(positions.values()) == list(range(next_position, next_position + size))
        next_position += size

    sent.clear()
    published.clear()
    assert await decide_checkins(pool, publish, "tan-thanh", reads("B10", 10)) == {}
    assert published == []  # read again: claimed before, nothing decided, nothing published
    assert sent == ["BEGIN;", sent[1], "COMMIT;"]

    async with pool.acquire() as connection:
        entries = await connection.fetch("SELECT seq, hash, record FROM ceiling_audit ORDER BY seq")
        head = await connection.fetchrow(
            "SELECT seq, hash FROM ceiling_audit_head WHERE chain = $1", CHAIN
        )
        counts = await connection.fetchrow(
            "SELECT (SELECT count(*) FROM ceiling_bookings) AS bookings,"
            " (SELECT sum(taken) FROM ceiling_slots) AS taken,"
            " (SELECT last FROM ceiling_queue) AS last"
        )
    digest = "0" * 64
    for seq, (entry_seq, entry_hash, record) in enumerate(entries, start=1):
        digest = hashlib.sha256(f"{digest}|{record}".encode()).hexdigest()
        assert (entry_seq, entry_hash) == (seq, digest)
    assert (head["seq"], head["hash"]) == (len(entries), digest) == (112, digest)
    assert dict(counts) == {"bookings": 112, "taken": 112, "last": 112}


async def test_the_rush_statement_confirms_exactly_the_capacity(ceiling: Ceiling):
    pool, _ = ceiling
    slot = ("tan-thanh", "export", datetime(2026, 11, 30, 8, tzinfo=UTC))
    async with pool.acquire() as connection:
        await connection.execute("INSERT INTO ceiling_slots VALUES ($1, $2, $3, 0, 100)", *slot)

    confirmed = await asyncio.gather(
        *(attempt_booking(pool, slot, f"booking-{n}", f"vehicle-{n}") for n in range(300))
    )

    assert confirmed.count(True) == 100
    async with pool.acquire() as connection:
        assert await connection.fetchval("SELECT count(*) FROM ceiling_rush_bookings") == 100
        assert await connection.fetchval("SELECT taken FROM ceiling_slots") == 100

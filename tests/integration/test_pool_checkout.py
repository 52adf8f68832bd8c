"""The PostgreSQL pool without a ping per checkout (issue 20): checking a connection out asks
the server nothing, and a connection the server ended is replaced at checkout, so the next
request after a restart is served, not answered 503."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gate.config import Settings
from gate.store.database import create_engine

pytestmark = pytest.mark.postgres


@pytest.fixture
async def engine(postgres_database: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(Settings(data_dir=tmp_path, database_url=postgres_database))
    yield engine
    await engine.dispose()


async def _backend(engine: AsyncEngine) -> int:
    return (await _checked_out(engine))[0]


async def _checked_out(engine: AsyncEngine) -> tuple[int, Any]:
    """The server process of the connection a checkout gives, and asyncpg's connection."""
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        return int(await connection.scalar(text("SELECT pg_backend_pid()"))), raw.driver_connection


async def test_a_checkout_sends_the_server_nothing(engine: AsyncEngine, monkeypatch):
    pings: list[Any] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or ping(c))
    first = await _backend(engine)
    for _ in range(20):  # the same pooled connection each time, never pinged
        assert await _backend(engine) == first
    assert pings == []


async def test_a_connection_the_server_ended_is_replaced_at_checkout(
    engine: AsyncEngine, postgres_database: str
):
    pooled, driver = await _checked_out(engine)
    # Another session ends the pooled connection's backend, as a restart ends them all.
    other = await asyncpg.connect(postgres_database.replace("+asyncpg", ""))
    try:
        assert await other.fetchval("SELECT pg_terminate_backend($1)", pooled) is True
    finally:
        await other.close()
    # asyncpg reads the server's goodbye and the socket's end as they come: once it has,
    # the next checkout replaces the connection instead of failing a request on it.
    async with asyncio.timeout(10):
        while not driver.is_closed():
            await asyncio.sleep(0.01)
    fresh = await _backend(engine)
    assert fresh != pooled

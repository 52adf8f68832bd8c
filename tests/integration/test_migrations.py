"""One set of Alembic migrations builds the same schema on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gate.config import Settings
from gate.store.database import create_engine
from gate.store.migrate import downgrade, upgrade
from gate.store.tables import Base
from tests.services import POSTGRES_URL, postgres_reachable, require_service


def _in_thread(function: Any, *args: Any) -> Any:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args).result()


async def _differences(url: str) -> list[Any]:
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.connect() as connection:

            def compare(sync_connection: Any) -> list[Any]:
                context = MigrationContext.configure(sync_connection, opts={"compare_type": True})
                return list(compare_metadata(context, Base.metadata))

            return await connection.run_sync(compare)
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
        return
    require_service("PostgreSQL", _in_thread(postgres_reachable))
    name = f"gate_migrations_{abs(hash(str(tmp_path))) % 10**8}"
    connection = await asyncpg.connect(POSTGRES_URL)
    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    base = POSTGRES_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    yield f"{base}/{name}"
    # Dropped after the test: each run left one database per test on the machine's server.
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def test_migrations_build_the_schema_of_the_models_and_downgrade_cleanly(empty_database: str):
    _in_thread(upgrade, empty_database)
    assert await _differences(empty_database) == []

    _in_thread(downgrade, empty_database, "base")
    remaining = await _differences(empty_database)
    assert any(diff[0] == "add_table" for diff in remaining)

    _in_thread(upgrade, empty_database)
    assert await _differences(empty_database) == []


def test_postgres_reachability_probe_reports_a_reason_when_down(monkeypatch: pytest.MonkeyPatch):
    import tests.services as services

    monkeypatch.setattr(services, "POSTGRES_URL", "postgresql://postgres@127.0.0.1:1/test")
    assert _in_thread(services.postgres_reachable) is not None

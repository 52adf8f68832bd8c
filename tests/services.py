"""Which shared services the tests can reach, and what to do when one is missing: fail in CI,
skip (and say so in the summary) on a developer's machine."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
import pytest

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.gates.seed import seed_lang_son
from gate.store.database import create_engine, create_session_factory
from gate.store.unit_of_work import UnitOfWork

IN_CI = bool(os.environ.get("CI"))
POSTGRES_URL = os.environ.get("GATE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("GATE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BACKENDS = ["sqlite", "postgres"]
not_run: set[str] = set()


def outside_loop(function: Any, *args: Any) -> Any:
    """Run blocking set-up (Alembic, asyncio.run) on a thread of its own: session fixtures are
    first requested from inside a test's running event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args).result()


def worker() -> str:
    """This test process's own name among those sharing the machine's PostgreSQL: the xdist
    worker, behind GATE_TEST_DB_TAG when several checkouts run their tests at once."""
    return os.environ.get("GATE_TEST_DB_TAG", "") + os.environ.get("PYTEST_XDIST_WORKER", "main")


def postgres_reachable() -> str | None:
    async def probe() -> None:
        connection = await asyncpg.connect(POSTGRES_URL, timeout=3)
        await connection.close()

    try:
        outside_loop(asyncio.run, probe())
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


def require_service(name: str, problem: str | None) -> None:
    """Fail in CI, skip (and remember, for the summary) elsewhere."""
    if problem is None:
        return
    if IN_CI:
        pytest.fail(f"{name} is required in CI and is not reachable: {problem}")
    not_run.add(name)
    pytest.skip(f"{name} not reachable ({problem})")


def redis_reachable() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


async def seed_database(url: str) -> None:
    engine = create_engine(Settings(database_url=url))
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            await seed_lang_son(uow)
            await uow.commit()
    finally:
        await engine.dispose()


async def empty_postgres(url: str) -> None:
    """Delete every row of every table but Alembic's (the audit log's refusal to be changed
    included: its triggers are off for this session, ``session_replication_role``).

    DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE gives each of 25 tables a
    new file (0.2 to 0.5 s a test on a busy machine against a few milliseconds)."""
    connection = await asyncpg.connect(plain_url(url))
    try:
        await _delete_all(connection)
    finally:
        await connection.close()


# The rows the seed writes, per database URL: read back once after seeding through the
# application's own code, written again by COPY before each test.
_seeded: dict[str, dict[str, tuple[list[str], list[Any]]]] = {}


async def reset_postgres(url: str) -> None:
    """The database at ``url`` as the seed leaves it: emptied, then Lạng Sơn's gates. The
    first time per process the seed runs through ``seed_lang_son``; later its rows are
    copied back in one connection."""
    if url not in _seeded:
        await empty_postgres(url)
        await seed_database(url)
        _seeded[url] = await _read_rows(url)
        return
    connection = await asyncpg.connect(plain_url(url))
    try:
        async with connection.transaction():
            await _delete_all(connection)
            await connection.execute("SET LOCAL session_replication_role = replica")
            for table, (columns, records) in _seeded[url].items():
                await connection.copy_records_to_table(table, records=records, columns=columns)
    finally:
        await connection.close()


def plain_url(url: str) -> str:
    """An asyncpg DSN of a SQLAlchemy PostgreSQL URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def public_tables(connection: asyncpg.Connection) -> list[str]:
    """The tables of the public schema but Alembic's version table."""
    rows = await connection.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> 'alembic_version'"
    )
    return [row["tablename"] for row in rows]


async def _delete_all(connection: asyncpg.Connection) -> None:
    # Foreign keys and the audit log's triggers are off while this session deletes.
    deletes = " ".join(f'DELETE FROM "{table}";' for table in await public_tables(connection))
    await connection.execute(
        f"SET session_replication_role = replica; {deletes} SET session_replication_role = origin;"
    )


async def _read_rows(url: str) -> dict[str, tuple[list[str], list[Any]]]:
    connection = await asyncpg.connect(plain_url(url))
    try:
        seeded: dict[str, tuple[list[str], list[Any]]] = {}
        for table in await public_tables(connection):
            rows = await connection.fetch(f'SELECT * FROM "{table}"')
            if rows:
                seeded[table] = (list(rows[0].keys()), [tuple(row.values()) for row in rows])
        return seeded
    finally:
        await connection.close()

"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL is the machine's (GATE_TEST_POSTGRES_URL, default postgres@127.0.0.1:5432/test);
each xdist worker gets a database of its own, migrated once and emptied before each test.
In CI (the CI variable is set) a missing PostgreSQL or Redis fails the run; on a developer's
machine the tests that need them are skipped and the summary says so loudly.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from gate.accounts import credentials
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.store.database import create_engine, create_session_factory
from gate.store.migrate import upgrade
from gate.store.unit_of_work import UnitOfWork
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.helpers import ADMIN_TOKEN, Api
from tests.services import (
    BACKENDS,
    POSTGRES_URL,
    REDIS_URL,
    not_run,
    outside_loop,
    postgres_reachable,
    redis_reachable,
    require_service,
    reset_postgres,
    seed_database,
    worker,
)

# Property tests judge inputs, never time: the suite runs on two shared cores, where a draw or
# an example may take seconds while another process runs. Hypothesis's per-example deadline and
# its "too slow" and "large base example" health checks measure the machine, so they are off
# for every property test (speed is measured in the benchmarks, docs/benchmarks.md).
hypothesis_settings.register_profile(
    "shared-machine",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
hypothesis_settings.load_profile("shared-machine")

# Passwords are hashed with argon2id at its smallest cost in the tests: the library's
# recommended parameters (64 MiB, 3 passes, 4 lanes) cost 0.3 to 0.5 s a hash or a check on a
# loaded core, and a test that signs in four officers spent seconds on them. What the tests
# check is who is let in, not the hash's cost; tests/unit/test_password_hashing.py (marked
# real_password_hashing) checks that the platform itself hashes with the recommended ones.
# Processes the tests start (e2e) hash with those too.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
CHEAP_DUMMY_HASH = CHEAP_HASHER.hash("not a real password")


@pytest.fixture(autouse=True)
def cheap_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its smallest cost for this test, unless it is marked real_password_hashing.
    The unknown e-mail's stand-in hash is one of the same cost, so that a sign-in with an
    unknown e-mail costs what one with a known e-mail does, as in production."""
    if request.node.get_closest_marker("real_password_hashing") is None:
        monkeypatch.setattr(credentials, "_hasher", CHEAP_HASHER)
        monkeypatch.setattr(credentials, "DUMMY_PASSWORD_HASH", CHEAP_DUMMY_HASH)


# A test starting this close to the turn of an hour waits for it (seconds): see below.
HOUR_TURN_MARGIN_S = 120.0


@pytest.fixture(autouse=True)
def clear_of_the_hour_turn() -> None:
    """Start every test at least ``HOUR_TURN_MARGIN_S`` before the gates' clock turns an
    hour (or right after it turned). Tests name hours relative to now (``this_hour(5)``),
    compute them more than once, and the platform judges slots by the hour it is: a test
    running across the turn compared an hour it named before with one named after (seen in
    CI on a loaded machine, 01:59 -> 02:00). Each worker waits at most once per turn its run
    crosses, at most this long. The gates' offset (UTC+7) is whole hours, so the turn is
    UTC's."""
    into_hour = time.time() % 3600
    if into_hour > 3600 - HOUR_TURN_MARGIN_S:
        time.sleep(3600 - into_hour + 0.5)  # waiting on the clock itself: nothing to poll


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The machine's Redis (GATE_TEST_REDIS_URL); tests use keys of their own on it."""
    require_service("Redis", redis_reachable())
    return REDIS_URL


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A migrated PostgreSQL database for this worker; its URL."""
    require_service("PostgreSQL", postgres_reachable())
    name = f"gate_test_{worker()}"
    admin_url = POSTGRES_URL

    async def recreate() -> None:
        connection = await asyncpg.connect(admin_url)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    outside_loop(asyncio.run, recreate())
    base = admin_url.rsplit("/", 1)[0]
    url = f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://")
    outside_loop(upgrade, url)
    yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, seeded SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    url = f"sqlite+aiosqlite:///{path}"
    outside_loop(upgrade, url)
    outside_loop(asyncio.run, seed_database(url))
    return path


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database with Lạng Sơn's gates seeded, on the backend of this test."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "gate.db"
        shutil.copyfile(template, path)
        return f"sqlite+aiosqlite:///{path}"
    url = str(request.getfixturevalue("postgres_database"))
    await reset_postgres(url)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        db_pool_size=10,
        db_pool_overflow=40,
        sweep_seconds=0,  # tests run the sweeps themselves, at the times they choose
        # The outbox's dispatcher runs only in the tests about it (replace(settings,
        # outbox=True)): elsewhere its rounds would hold SQLite's write lock while a test
        # blocks its event loop (a subprocess.run beside an in-process app).
        outbox=False,
    )


@pytest.fixture
def bus() -> InMemoryEventBus:
    return InMemoryEventBus()


@pytest.fixture
async def client(settings: Settings, bus: InMemoryEventBus) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(app_for(settings, bus)) as http:
        yield http


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)


@pytest.fixture
async def uow(settings: Settings, bus: InMemoryEventBus) -> AsyncIterator[UnitOfWork]:
    """Direct access to the store, for checking what a request left behind."""
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine, read_only=True), bus) as unit:
            yield unit
    finally:
        await engine.dispose()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # Probed again here: under xdist the skips happened in worker processes, not in this one.
    missing = set(not_run)
    if postgres_reachable() is not None:
        missing.add("PostgreSQL")
    if redis_reachable() is not None:
        missing.add("Redis")
    if not (os.path.exists("/usr/bin/chromium") or shutil.which("chromium")):
        missing.add("Chromium")
    if not missing:
        return
    services = " and ".join(sorted(missing))
    lines = [
        "",
        "!" * 78,
        f"NOT RUN: the tests that need {services} were skipped: not reachable here.",
        "What needs them did not run (storage tests ran on SQLite and the in-memory bus).",
        "To run them all:",
        "  PostgreSQL: apt-get install postgresql && pg_ctlcluster 15 main start",
        "              (or set GATE_TEST_POSTGRES_URL=postgresql://user@host:port/db)",
        "  Redis:      apt-get install redis-server && redis-server --daemonize yes",
        "  Chromium:   apt-get install chromium (for the browser tests)",
        "In CI (CI=true) a missing service fails the run instead.",
        "!" * 78,
    ]
    for line in lines:
        terminalreporter.write_line(line, yellow=True, bold=True)

"""A request whose transaction loses a deadlock or a serialisation failure is run again by the
server (services/common/retries.py, at the app's edge: services/edge.py) and its client hears
only the answer of the attempt that got through; after three lost attempts, the 503 with
Retry-After. The failures are PostgreSQL's own (``RAISE ... USING ERRCODE``), through asyncpg
and SQLAlchemy as a real one arrives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar, post
from litestar.params import JSONBody
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from gate.config import Settings
from services.app import assemble_app, build_platform
from services.common.retries import ATTEMPTS

FAIL = "DO $$ BEGIN RAISE EXCEPTION 'lost a race' USING ERRCODE = '{code}'; END $$"


@pytest.fixture
async def engine(postgres_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(postgres_database)
    yield engine
    await engine.dispose()


def _app(engine: AsyncEngine, failures: list[str]) -> tuple[Litestar, list[Any]]:
    """An app whose one route fails with each SQLSTATE in ``failures`` in turn, then answers
    the body it was sent; and the list of bodies each attempt received."""
    seen: list[Any] = []

    @post("/move", status_code=201)
    async def move(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        seen.append(data)
        async with engine.begin() as connection:
            if failures:
                await connection.execute(text(FAIL.format(code=failures.pop(0))))
        return {"moved": data["booking"]}

    # The platform's own app (its edge and exception handlers), with the route added; its
    # platform's database is never opened (the route uses ``engine``).
    settings = Settings.from_env({"GATE_DATABASE_URL": "sqlite+aiosqlite:///:memory:"})
    app = assemble_app(build_platform(settings), ["checkin"])
    app.register(move)
    return app, seen


async def _send(app: Litestar) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gate.test") as client:
        return await client.post("/move", json={"booking": "b-1", "to": "10:00"})


async def test_a_deadlock_and_a_serialisation_failure_are_run_again_with_the_same_body(
    engine: AsyncEngine,
):
    app, seen = _app(engine, ["40P01", "40001"])
    answer = await _send(app)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"moved": "b-1"}
    # The answer that got through, with the edge's headers once (not once per attempt).
    names = [name for name, _ in answer.headers.multi_items()]
    assert names.count("x-request-id") == 1 and names.count("content-security-policy") == 1
    assert seen == [{"booking": "b-1", "to": "10:00"}] * 3


async def test_after_every_attempt_lost_the_client_gets_503_with_retry_after(engine: AsyncEngine):
    app, seen = _app(engine, ["40P01"] * ATTEMPTS)
    answer = await _send(app)
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "1"
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert len(seen) == ATTEMPTS


async def test_other_database_errors_are_not_run_again(engine: AsyncEngine):
    app, seen = _app(engine, ["23505"])  # a unique violation is no race to retry
    answer = await _send(app)
    assert answer.status_code == 500, answer.text
    assert len(seen) == 1

"""The production shape without containers: `gate db upgrade`, `gate db seed`, then
`gate serve --workers 2` on PostgreSQL and Redis, hit over real HTTP by concurrent clients."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import msgspec
import pytest
import redis

from tests.e2e.server import ROOT, listening, running_platform
from tests.helpers import ADMIN_TOKEN, Api, tomorrow_at
from tests.services import POSTGRES_URL, outside_loop, worker

GATE = str(Path(sys.executable).with_name("gate"))


@pytest.fixture(scope="module")
def production_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the production shape's processes write their output (stdout and stderr)."""
    return tmp_path_factory.mktemp("prod-output") / "server.log"


@pytest.fixture(scope="module")
def production(
    postgres_database: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    production_output: Path,
) -> Iterator[tuple[str, str, str]]:
    name = f"gate_e2e_{worker()}"

    async def recreate() -> None:
        connection = await asyncpg.connect(POSTGRES_URL)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()

    outside_loop(asyncio.run, recreate())
    stream_db = redis_url.rsplit("/", 1)[0] + "/14"
    namespace = f"e2e-{name}-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATE_")}
    env.update(
        GATE_DATABASE_URL=f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}",
        GATE_REDIS_URL=stream_db,
        GATE_REDIS_NAMESPACE=namespace,
        GATE_ADMIN_TOKEN=ADMIN_TOKEN,
        GATE_AUTO_MIGRATE="false",
        GATE_SEED="false",
        GATE_DATA_DIR=str(tmp_path_factory.mktemp("prod")),
    )
    for command in (["db", "upgrade"], ["db", "seed"]):
        subprocess.run([GATE, *command], env=env, cwd=ROOT, check=True, timeout=120)
    command = [GATE, "serve", "--workers", "2"]
    listener = listening()  # uvicorn hands the inherited socket to both workers
    with running_platform(
        command, env, listener, ready_within=60, output=production_output
    ) as base:
        yield base, stream_db, namespace


async def test_two_worker_processes_on_postgres_never_oversell_and_publish_to_redis(
    production: tuple[str, str, str],
):
    base, stream_db, namespace = production
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        api = Api(client)
        slot = tomorrow_at(10)
        await api.set_capacity(slot, 3)
        enterprise = await api.enterprise()
        bodies = [
            enterprise.booking_body(await enterprise.vehicle(), await enterprise.driver(), slot)
            for _ in range(12)
        ]
        answers = await asyncio.gather(
            *(client.post("/api/v1/bookings", json=b, headers=enterprise.headers) for b in bodies)
        )
        assert sorted(a.status_code for a in answers) == [201] * 3 + [409] * 9
        assert (await api.slot(slot))["booked"] == 3

    entries = redis.Redis.from_url(stream_db).xrange(f"{namespace}:events")
    events = [msgspec.json.decode(fields[b"e"]) for _, fields in entries]
    created = [e for e in events if e["event"] == "booking.created"]
    assert sorted(e["booking_id"] for e in created) == sorted(
        a.json()["id"] for a in answers if a.status_code == 201
    )


async def test_every_line_each_worker_writes_is_json_with_the_same_fields(
    production: tuple[str, str, str], production_output: Path
):
    base, _, _ = production
    # The server listens once its first worker is up; on a busy machine the second may
    # still be starting: wait (bounded) until both have logged their start-up.
    deadline = asyncio.get_running_loop().time() + 90
    while production_output.read_text().count("Application startup complete.") < 2:
        assert asyncio.get_running_loop().time() < deadline, "the second worker never started"
        await asyncio.sleep(0.2)
    # New connections, so that both workers (the kernel picks one per connection) answer.
    for _ in range(8):
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            assert (await client.get("/api/v1/gates")).status_code == 200
            assert (await client.get("/api/v1/no-such-thing")).status_code == 404

    lines = [line for line in production_output.read_text().splitlines() if line.strip()]
    # The banner is printed before logging starts, by the parent: the lines before the first
    # log line. Everything after it is a log line of the parent or of a worker.
    first = next(i for i, line in enumerate(lines) if line.startswith("{"))
    assert any("Admin token:" in line for line in lines[:first])
    entries = []
    for line in lines[first:]:
        try:
            entries.append(msgspec.json.decode(line))
        except msgspec.DecodeError:
            pytest.fail(f"a line that is not JSON: {line!r}")
    for entry in entries:
        assert {"ts", "level", "logger", "event", "pid"} <= entry.keys(), entry
    started = {e["pid"] for e in entries if e["event"] == "Application startup complete."}
    assert len(started) == 2, "each of the two workers logs its start-up in JSON"
    assert any(e["logger"] == "uvicorn.access" for e in entries)

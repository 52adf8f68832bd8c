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
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
import redis

from tests.e2e.server import ROOT, listening, running_platform
from tests.helpers import (
    ADMIN_TOKEN,
    Api,
    device,
    open_all_day,
    read,
    tomorrow_at,
    unique_plate,
)
from tests.services import POSTGRES_URL, outside_loop, worker

GATE = str(Path(sys.executable).with_name("gate"))


def _database_url() -> str:
    """The production shape's database (one per test process)."""
    return f"{POSTGRES_URL.rsplit('/', 1)[0]}/gate_e2e_{worker()}"


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
    name = _database_url().rsplit("/", 1)[1]

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
        GATE_DATABASE_URL=_database_url(),
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
        command, env, listener, ready_within=180, output=production_output
    ) as base:
        yield base, stream_db, namespace


def _lines(output: Path) -> list[dict[str, Any]]:
    """Every line the processes wrote (the parent's and the workers'), each a JSON object."""
    entries = []
    for line in output.read_text().splitlines():
        try:
            entries.append(msgspec.json.decode(line))
        except msgspec.DecodeError:
            pytest.fail(f"a line that is not JSON: {line!r}")
    return entries


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

    entries = _lines(production_output)
    for entry in entries:
        assert {"ts", "level", "logger", "event", "pid"} <= entry.keys(), entry
    # Standard output is no terminal: the banner is a JSON line too, naming no secret.
    (banner,) = [e for e in entries if e["event"] == "serve.started"]
    assert banner["admin_token"] == "set (from GATE_ADMIN_TOKEN)"
    assert ADMIN_TOKEN not in production_output.read_text()
    started = {e["pid"] for e in entries if e["event"] == "Application startup complete."}
    assert len(started) == 2, "each of the two workers logs its start-up in JSON"
    assert any(e["logger"] == "uvicorn.access" for e in entries)


async def test_one_request_id_names_the_access_line_the_published_event_and_the_audit_entry(
    production: tuple[str, str, str], production_output: Path, tmp_path: Path
):
    base, stream_db, namespace = production
    booking_id_sent = f"proxy-{uuid.uuid4().hex[:12]}"
    reads_sent = [f"camera-{uuid.uuid4().hex[:12]}" for _ in range(3)]
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        api = Api(client)
        enterprise = await api.enterprise()
        vehicle, driver = await enterprise.vehicle(), await enterprise.driver()
        booked = await client.post(
            "/api/v1/bookings",
            json=enterprise.booking_body(vehicle, driver, tomorrow_at(11)),
            headers={**enterprise.headers, "X-Request-ID": booking_id_sent},
        )
        assert booked.status_code == 201, booked.text
        assert booked.headers["x-request-id"] == booking_id_sent
        # Walk-ins read at once by one camera: decided together in one batch, each audited
        # under its own request's id.
        await open_all_day(api)
        camera = await device(api)
        reads = await asyncio.gather(
            *(
                client.post(
                    "/api/v1/gates/tan-thanh/checkins",
                    json=read(unique_plate()),
                    headers={**camera, "X-Request-ID": sent},
                )
                for sent in reads_sent
            )
        )
        assert [r.json()["outcome"] for r in reads] == ["walk_in"] * 3, [r.text for r in reads]
        made = (await client.get("/api/v1/gates")).headers["x-request-id"]

    # The access lines (written by whichever worker answered), on the processes' output.
    access = {
        e.get("request_id"): e for e in _lines(production_output) if e["logger"] == "uvicorn.access"
    }
    for sent in [booking_id_sent, *reads_sent, made]:
        assert sent in access, f"no access line names {sent}"
    assert "/api/v1/bookings" in access[booking_id_sent]["event"]

    # The event the booking published, on the bus beside its payload (not in it).
    entries = redis.Redis.from_url(stream_db).xrange(f"{namespace}:events")
    published = [
        msgspec.json.decode(fields[b"e"])
        for _, fields in entries
        if fields.get(b"r") == booking_id_sent.encode()
    ]
    assert [(e["event"], e["booking_id"]) for e in published] == [
        ("booking.created", booked.json()["id"])
    ]
    assert all("request_id" not in msgspec.json.decode(f[b"e"]) for _, f in entries)

    # The audit entries, in PostgreSQL: the booking's, and each read's under its own id.
    async def audited() -> dict[str, set[str]]:
        connection = await asyncpg.connect(_database_url())
        try:
            rows = await connection.fetch(
                "SELECT a.request_id, b.code FROM audit_log a JOIN bookings b"
                " ON b.id = a.subject_id WHERE a.request_id = ANY($1::text[])",
                [booking_id_sent, *reads_sent],
            )
        finally:
            await connection.close()
        codes: dict[str, set[str]] = {}
        for row in rows:
            codes.setdefault(row["request_id"], set()).add(row["code"])
        return codes

    codes = await audited()
    assert codes[booking_id_sent] == {booked.json()["code"]}
    for sent, answer in zip(reads_sent, reads, strict=True):
        assert codes[sent] == {answer.json()["booking_code"]}, sent
    # The id is beside the hash chain: the log, old entries and new, still verifies.
    verified = subprocess.run(
        [GATE, "audit", "verify"],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("GATE_")},
            "GATE_DATABASE_URL": _database_url(),
            "GATE_DATA_DIR": str(tmp_path),
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr

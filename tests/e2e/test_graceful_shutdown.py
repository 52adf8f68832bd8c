"""SIGTERM to ``gate serve`` (one worker and two) under a small load of check-ins and a few
websocket viewers: every request under way is answered (200, or 503 for a check-in left
undecided), every acknowledged check-in is stored, every viewer (the API's /ws board and the
boards' broadcast server) is closed with 1012 ("service restart", so clients reconnect
elsewhere), and the process exits 0 (services/draining.py, docs/architecture.md)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.server import ROOT, listening, port_of
from tests.helpers import ADMIN_TOKEN, Api, device, open_all_day, read
from tests.services import POSTGRES_URL, outside_loop, worker

GATE_BIN = str(Path(sys.executable).with_name("gate"))
BOARD = "/ws/v1/gates/tan-thanh/board"
CAMERAS = 6  # devices sending check-ins one after the other, side by side
SHUTDOWN_S = 10  # GATE_SHUTDOWN_TIMEOUT of the process under test


@pytest.fixture
def database(postgres_database: str) -> Iterator[str]:
    """A migrated, seeded PostgreSQL database of this test's own."""
    name = f"gate_shutdown_{worker()}"
    url = f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"

    async def recreate() -> None:
        connection = await asyncpg.connect(POSTGRES_URL)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()

    outside_loop(asyncio.run, recreate())
    yield url


@dataclass
class Sent:
    event_id: str
    started: float
    ended: float
    status: int | None  # None: no HTTP answer (the connection failed or was reset)
    error: str | None = None


@dataclass
class Watched:
    code: int | None = None  # the close code received, once closed


async def _camera(
    base: str, headers: dict[str, str], stop: asyncio.Event, sent: list[Sent]
) -> None:
    """One device: a walk-in check-in after another on one kept-alive connection, until
    ``stop`` (set the instant before SIGTERM: every request under way then was started
    before it)."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while not stop.is_set():
            event = read(f"{uuid.uuid4().int % 89 + 10}K{uuid.uuid4().int % 100000:05d}")
            started = time.monotonic()
            try:
                answer = await client.post(
                    "/api/v1/gates/tan-thanh/checkins", json=event, headers=headers
                )
                sent.append(Sent(event["event_id"], started, time.monotonic(), answer.status_code))
            except httpx.HTTPError as error:
                sent.append(Sent(event["event_id"], started, time.monotonic(), None, repr(error)))
                return


async def _viewer(url: str, watched: Watched, opened: asyncio.Event) -> None:
    async with connect(url, open_timeout=30) as socket:
        await socket.recv()  # the snapshot: the viewer is served
        opened.set()
        try:
            async for _ in socket:
                pass
        except ConnectionClosed:
            pass
        watched.code = socket.close_code


async def _stored(database: str, event_ids: list[str]) -> set[str]:
    connection = await asyncpg.connect(database.replace("+asyncpg", ""))
    try:
        rows = await connection.fetch(
            "SELECT event_id FROM checkin_records WHERE event_id = ANY($1::text[])", event_ids
        )
    finally:
        await connection.close()
    return {row["event_id"] for row in rows}


@pytest.mark.parametrize("workers", [1, 2])
async def test_sigterm_answers_what_is_under_way_stores_what_was_acknowledged_and_exits_0(
    database: str, redis_url: str, workers: int, tmp_path: Path
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATE_")}
    env.update(
        GATE_ADMIN_TOKEN=ADMIN_TOKEN,
        GATE_SWEEP_SECONDS="0",
        GATE_DATABASE_URL=database,
        GATE_REDIS_URL=redis_url,
        GATE_REDIS_NAMESPACE=f"shutdown-{uuid.uuid4().hex[:8]}",
        GATE_DATA_DIR=str(tmp_path),
        GATE_SHUTDOWN_TIMEOUT=str(SHUTDOWN_S),
    )
    for command in (["db", "upgrade"], ["db", "seed"]):
        subprocess.run([GATE_BIN, *command], env=env, cwd=ROOT, check=True, timeout=120)
    listener, boards = listening(), listening()
    handed = [listener.fileno()]
    env["GATE_LISTEN_FD"] = str(listener.fileno())
    if workers == 1:  # the boards' server runs in one process (GATE_BOARDS_FD)
        env["GATE_BOARDS_FD"] = str(boards.fileno())
        handed.append(boards.fileno())
    base = f"http://127.0.0.1:{port_of(listener)}"
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            [GATE_BIN, "serve", "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            pass_fds=handed,
        )
        listener.close()
        try:
            await _ready(process, base)
            took = await _load_then_sigterm(
                process, base, boards if workers == 1 else None, database
            )
            print(f"workers={workers}: exited {process.returncode} {took:.2f} s after SIGTERM")
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
            boards.close()
            log.seek(0)
            print(log.read()[-6000:])


async def _ready(process: subprocess.Popen[str], base: str) -> None:
    deadline = time.monotonic() + 120
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        while time.monotonic() < deadline:
            assert process.poll() is None, "gate serve exited early"
            try:
                if (await client.get("/health/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    pytest.fail("gate serve did not become ready")


async def _load_then_sigterm(
    process: subprocess.Popen[str], base: str, boards: object | None, database: str
) -> float:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        api = Api(client)
        await open_all_day(api)
        cameras = [await device(api) for _ in range(CAMERAS)]
    urls = [base.replace("http", "ws") + BOARD] * 3
    if boards is not None:
        urls += [f"ws://127.0.0.1:{port_of(boards)}{BOARD}"] * 2  # type: ignore[arg-type]
    watched = [Watched() for _ in urls]
    opened = [asyncio.Event() for _ in urls]
    viewers = [
        asyncio.create_task(_viewer(u, w, o)) for u, w, o in zip(urls, watched, opened, strict=True)
    ]
    await asyncio.wait_for(asyncio.gather(*(o.wait() for o in opened)), 60)

    stop, sent = asyncio.Event(), []
    loads = [asyncio.create_task(_camera(base, headers, stop, sent)) for headers in cameras]
    # A load under way: some check-ins answered already, the next ones in flight.
    while sum(s.status == 200 for s in sent) < 3 * CAMERAS:
        assert process.poll() is None
        await asyncio.sleep(0.05)
    stop.set()
    signalled = time.monotonic()
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(asyncio.gather(*loads), 60)
    await asyncio.wait_for(asyncio.gather(*viewers, return_exceptions=True), 60)
    returncode = await asyncio.to_thread(process.wait, 60)
    took = time.monotonic() - signalled

    under_way = [s for s in sent if s.started < signalled < s.ended]
    assert under_way, "no check-in was under way at the SIGTERM"
    assert [s for s in sent if s.status is None] == []  # every request got an answer
    assert {s.status for s in sent} <= {200, 503}
    acknowledged = [s.event_id for s in sent if s.status == 200]
    assert await _stored(database, acknowledged) == set(acknowledged)
    assert [w.code for w in watched] == [1012] * len(urls)
    assert returncode == 0
    print(
        f"{len(sent)} check-ins, {len(under_way)} under way at the SIGTERM, "
        f"{sum(s.status == 503 for s in sent)} answered 503"
    )
    return took

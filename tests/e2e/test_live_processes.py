"""Live boards across processes: an event on one process reaches a viewer of another through
Redis; and a Redis outage of any length stops nothing for good."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.e2e.server import ROOT, listening, port_of, running_platform
from tests.helpers import ADMIN_TOKEN, Api, device, open_all_day, read, this_hour
from tests.live import Viewer, eventually
from tests.services import POSTGRES_URL, outside_loop, worker

GATE_BIN = str(Path(sys.executable).with_name("gate"))
BOARD = "/ws/v1/gates/tan-thanh/board"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATE_")}
    env.update(GATE_ADMIN_TOKEN=ADMIN_TOKEN, GATE_SWEEP_SECONDS="0", **extra)
    return env


@pytest.fixture(scope="module")
def two_processes(
    postgres_database: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, str]]:
    """Two platform processes on one database and Redis; both serve the public boards on one
    shared port (the kernel gives each new viewer to one of them). Yields the two API bases
    and the boards' websocket base."""
    name = f"gate_live_{worker()}"

    async def recreate() -> None:
        connection = await asyncpg.connect(POSTGRES_URL)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()

    outside_loop(asyncio.run, recreate())
    env = _env(
        GATE_DATABASE_URL=f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}",
        GATE_REDIS_URL=redis_url,
        GATE_REDIS_NAMESPACE=f"live-{uuid.uuid4().hex[:8]}",
        GATE_AUTO_MIGRATE="false",
        GATE_SEED="false",
        GATE_DATA_DIR=str(tmp_path_factory.mktemp("two")),
    )
    for command in (["db", "upgrade"], ["db", "seed"]):
        subprocess.run([GATE_BIN, *command], env=env, cwd=ROOT, check=True, timeout=120)
    boards = listening()  # both processes accept the boards' viewers on this one socket
    with ExitStack() as stack:
        stack.enter_context(boards)
        bases = [
            stack.enter_context(
                running_platform(
                    [GATE_BIN, "serve"], env, listening(), ready_within=60, boards=boards
                )
            )
            for _ in range(2)
        ]
        yield bases[0], bases[1], f"ws://127.0.0.1:{port_of(boards)}"


async def test_a_check_in_on_one_process_reaches_a_board_viewer_of_another(
    two_processes: tuple[str, str, str],
):
    first, second, _ = two_processes
    viewer = Viewer(second.replace("http", "ws") + BOARD)
    async with httpx.AsyncClient(base_url=first, timeout=30) as client:
        api = Api(client)
        await open_all_day(api)
        enterprise = await api.enterprise()
        booking = (await enterprise.book(this_hour())).json()
        await eventually(lambda: _waiting(viewer, 0), within=15)
        answer = await client.post(
            "/api/v1/gates/tan-thanh/checkins",
            json=read(booking["plate"]),
            headers=await device(api),
        )
        assert answer.json()["outcome"] == "on_time"
        took = await eventually(lambda: _waiting(viewer, 1), within=10)
    await viewer.close()
    print(f"check-in on process 1 reached a viewer of process 2 in {took:.2f} s")


async def test_the_boards_port_shared_by_two_processes_shows_every_viewer_every_check_in(
    two_processes: tuple[str, str, str],
):
    """Viewers of the shared boards port land on either process; a check-in made through
    either process reaches all of them (the projector of one feeds both through Redis)."""
    first, second, boards = two_processes
    viewers = [Viewer(boards + BOARD) for _ in range(12)]
    async with httpx.AsyncClient(base_url=first, timeout=30) as client:
        api = Api(client)
        await open_all_day(api)
        enterprise = await api.enterprise()
        before = int(
            (await client.get("/api/v1/gates/tan-thanh/board")).json()["directions"][0][
                "waiting_total"
            ]
        )
        for viewer in viewers:
            await eventually(lambda viewer=viewer: _waiting(viewer, before), within=15)
        camera = await device(api)
        for base in (first, second):
            booking = (await enterprise.book(this_hour())).json()
            answer = await client.post(
                f"{base}/api/v1/gates/tan-thanh/checkins",
                json=read(booking["plate"]),
                headers=camera,
            )
            assert answer.json()["outcome"] == "on_time"
        for viewer in viewers:
            await eventually(lambda viewer=viewer: _waiting(viewer, before + 2), within=10)
    for viewer in viewers:
        await viewer.close()


async def _waiting(viewer: Viewer, count: int) -> bool:
    state = viewer.follower.state
    return state is not None and state["directions"][0]["waiting_total"] == count


def _start_redis(path: Path, directory: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            "0",  # no TCP: its own socket file, which no other process can take
            "--unixsocket",
            str(path),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        probe = subprocess.run(
            ["redis-cli", "-s", str(path), "ping"], capture_output=True, text=True
        )
        if probe.stdout.strip() == "PONG":
            return process
        time.sleep(0.05)
    process.kill()
    pytest.fail("our own redis-server did not start")


@pytest.fixture
def own_redis(
    tmp_path: Path, redis_url: str
) -> Iterator[tuple[Path, list[subprocess.Popen[bytes]]]]:
    """A redis-server of this test's own on a socket file (never the machine's shared one)."""
    path = tmp_path / "redis.sock"
    processes = [_start_redis(path, tmp_path)]
    yield path, processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


async def test_boards_recover_within_seconds_after_a_redis_outage_and_check_ins_go_on(
    own_redis: tuple[Path, list[subprocess.Popen[bytes]]], tmp_path: Path
):
    path, processes = own_redis
    env = _env(
        GATE_DATA_DIR=str(tmp_path / "data"),
        GATE_REDIS_URL=f"unix://{path}?db=0",
    )
    with running_platform([GATE_BIN, "serve"], env, listening()) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            api = Api(client)
            await open_all_day(api)
            enterprise = await api.enterprise()
            camera = await device(api)
            plates = [(await enterprise.book(this_hour())).json()["plate"] for _ in range(6)]
            viewers = [Viewer(base.replace("http", "ws") + BOARD) for _ in range(3)]
            await _check_in(client, camera, plates[0])

            async def truth() -> dict[str, Any]:
                return dict((await client.get("/api/v1/gates/tan-thanh/board")).json())

            async def all_true() -> bool:
                now = await truth()
                return all(v.follower.state == now for v in viewers)

            await eventually(all_true, within=15)

            processes[0].send_signal(signal.SIGKILL)  # Redis is gone, without warning
            processes[0].wait()
            outage_started = time.monotonic()
            for plate in plates[1:]:
                await _check_in(client, camera, plate)  # check-ins go on
            ready = await client.get("/health/ready")
            assert ready.status_code == 503 and ready.json()["bus"] == "down"
            await asyncio.sleep(max(0.0, 10 - (time.monotonic() - outage_started)))

            processes.append(_start_redis(path, tmp_path))  # back, empty, at the same place
            took = await eventually(all_true, within=5)
            assert (await truth())["directions"][0]["waiting_total"] == 6
            assert (await client.get("/health/ready")).status_code == 200
            for viewer in viewers:
                await viewer.close()
    print(f"every board at the true state {took:.2f} s after Redis came back")


async def _check_in(client: httpx.AsyncClient, camera: dict[str, str], plate: str) -> None:
    answer = await client.post("/api/v1/gates/tan-thanh/checkins", json=read(plate), headers=camera)
    assert answer.status_code == 200 and answer.json()["outcome"] == "on_time", answer.text


def test_gate_watch_prints_the_live_board_in_the_terminal(tmp_path: Path):
    listener = listening()
    port = port_of(listener)
    env = _env(GATE_DATA_DIR=str(tmp_path / "data"))
    with running_platform([GATE_BIN, "serve"], env, listener):
        watched = subprocess.run(
            [GATE_BIN, "watch", "tan-thanh", "--url", f"http://127.0.0.1:{port}", "--once"],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert watched.returncode == 0, watched.stderr
    assert "Cửa khẩu Tân Thanh" in watched.stdout
    assert "Xuất / export" in watched.stdout and "Nhập / import" in watched.stdout
    assert "trực tuyến / live · seq" in watched.stdout


def test_gate_watch_says_it_is_reconnecting_while_the_platform_is_away(tmp_path: Path):
    listener = listening()
    port = port_of(listener)
    env = _env(GATE_DATA_DIR=str(tmp_path / "data"))
    # Unbuffered, so that each board the watcher draws reaches the pipe as it is drawn.
    watcher_env = {**env, "PYTHONUNBUFFERED": "1"}
    with running_platform([GATE_BIN, "serve"], env, listener):
        watcher = subprocess.Popen(
            [GATE_BIN, "watch", "tan-thanh", "--url", f"http://127.0.0.1:{port}"],
            env=watcher_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output = _Output(watcher)
        # Waited for, not slept on: on a busy machine the watcher takes seconds to start.
        output.wait_for("trực tuyến / live")
    # The platform stopped; the watcher stays and shows that it is reconnecting.
    output.wait_for("đang kết nối lại / reconnecting")
    watcher.send_signal(signal.SIGINT)
    watcher.wait(timeout=20)


class _Output:
    """What a child process writes, read by a thread as it comes, to wait on a line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.text = ""
        self._changed = threading.Condition()
        self._process = process
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            with self._changed:
                self.text += line
                self._changed.notify_all()

    def wait_for(self, wanted: str, timeout: float = 60) -> None:
        with self._changed:
            found = self._changed.wait_for(lambda: wanted in self.text, timeout=timeout)
        if not found:
            self._process.kill()
            raise AssertionError(f"{wanted!r} never came; the process wrote:\n{self.text}")

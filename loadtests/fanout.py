"""Websocket fan-out harness: thousands of public board viewers on one gate, while the board
changes at a fixed rate; measures how late each viewer reaches each new state, and what a
viewer costs the server in memory.

    .venv/bin/python loadtests/fanout.py --viewers 5000 --seconds 20 --updates-per-second 2

By default it starts its own platform (`gate serve`, embedded SQLite, on a free port, with its
boards' broadcast server on another) so the numbers are of the platform alone; `--url` (and
`--boards-url`) target a running one instead (then give `--server-pid` for the memory
figures). The viewers watch the boards' server, or with `--server api` the API's own websocket
endpoint, and run as bare clients in worker processes (loadtests/wsviewers.py). Traffic goes
to 127.0.0.1 only, bounded in count and time. Results are printed and written as JSON (`--out`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gate.limits import allow_many_connections
from loadtests.harness import enterprise_with_driver
from loadtests.machine import free_port, rss_kib
from loadtests.wsviewers import ViewerCrowd, default_processes, viewers_per_process

ROOT = Path(__file__).resolve().parents[1]
ADMIN_TOKEN = "fanout-admin-token"
_seq_only = msgspec.json.Decoder(type=dict[str, Any])


async def prepare(
    client: httpx.AsyncClient, gate: str, updates: int
) -> tuple[dict[str, str], list[str]]:
    """A gate open around the clock, a camera, and ``updates`` booked vehicles to check in."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    for direction in ("export", "import"):
        await client.put(
            f"/api/v1/gates/{gate}/schedules/{direction}",
            json={"hourly_capacity": 10_000, "opens_at": 0, "closes_at": 24},
            headers=admin,
        )
    headers, driver = await enterprise_with_driver(client, admin, "Fan-out load", "079000000001")
    camera = (
        await client.post(
            f"/api/v1/gates/{gate}/devices",
            json={"name": "load camera", "kind": "lpr_camera", "direction": "export"},
            headers=admin,
        )
    ).json()["token"]
    now_local = time.strftime("%Y-%m-%dT%H:00:00+07:00", time.gmtime(time.time() + 7 * 3600))
    plates = []
    for n in range(updates):
        plate = f"12C-{n // 100:03d}.{n % 100:02d}"
        vehicle = (
            await client.post(
                "/api/v1/vehicles",
                json={"plate": plate, "vehicle_type": "container"},
                headers=headers,
            )
        ).json()
        booked = await client.post(
            "/api/v1/bookings",
            headers=headers,
            json={
                "gate": gate,
                "direction": "export",
                "slot_start": now_local,
                "vehicle_id": vehicle["id"],
                "driver_id": driver["id"],
                "cargo": {"description": "load test", "weight_kg": 1000},
            },
        )
        booked.raise_for_status()
        plates.append(plate)
    return {"Authorization": f"Bearer {camera}"}, plates


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(
    args: argparse.Namespace, base: str, board: str, server_pid: int | None
) -> dict[str, Any]:
    updates = int(args.seconds * args.updates_per_second)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        camera, plates = await prepare(client, args.gate, updates)
        rss_before = rss_kib(server_pid) if server_pid else 0
        started = time.monotonic()
        crowd = ViewerCrowd(board, args.viewers, args.processes or default_processes(args.viewers))
        connected = await crowd.connected()
        connected_after = time.monotonic() - started
        await asyncio.sleep(1)
        rss_connected = rss_kib(server_pid) if server_pid else 0

        # The board changes: one check-in per update, at the fixed rate. Each is timed from
        # just before its request on the wall clock, the clock of the viewers' receive
        # timestamps (loadtests/wsviewers.py).
        triggers: list[float] = []
        answered: list[float] = []  # how long each check-in took to answer
        begin = time.monotonic()
        for n, plate in enumerate(plates):
            due = begin + n / args.updates_per_second
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            body = {"event_id": f"fanout-{n}", "observed_at": _now_iso(), "plate": plate}
            triggers.append(time.time())
            await check_in(client, args.gate, body, camera)
            answered.append(time.time() - triggers[-1])
        await asyncio.sleep(3)
        # Again at the end, the viewers still connected: pings have been answered by now
        # if the run lasted longer than the server's ping interval (20 s).
        rss_end = rss_kib(server_pid) if server_pid else 0
        held_s = time.monotonic() - started - connected_after
        # The viewers are stopped once each has the last state (or after 30 s more): on a
        # loaded machine a fixed wait stopped them before late messages came, and a late
        # state counted as never reached.
        final_seq = await last_state_seq(len(plates), within_s=30)
        seen = await crowd.results(final_seq, patience_s=30)

        truth = (await client.get(f"/api/v1/gates/{args.gate}/board")).json()
    # When did each viewer reach the state after the k-th check-in? The probe tells which
    # seq first showed k vehicles waiting; a viewer is there at its first seq at or after
    # that one (a snapshot after a resync counts too): when that message reached its socket,
    # and, apart, when the harness read it.
    seq_for_update = seqs_for_updates(len(plates))
    behind = 0
    by_update: dict[int, list[float]] = {k: [] for k in seq_for_update}
    read_latencies: list[float] = []
    # A seq is the wall clock's milliseconds when the projector published the message
    # (gate/live/projector.py): the time to it is the check-in's and the projector's, the
    # time after it the fan-out's (Redis, each process's broadcast).
    published = {k: seq / 1000 - triggers[k - 1] for k, seq in seq_for_update.items()}
    after_publish: list[float] = []
    for received, failed in seen:
        if failed:
            continue
        for k, seq in seq_for_update.items():
            reached = next(((s, a, r) for s, a, r in received if s >= seq), None)
            if reached is None:
                behind += 1
            else:
                by_update[k].append(reached[1] - triggers[k - 1])
                read_latencies.append(reached[2] - triggers[k - 1])
                after_publish.append(reached[1] - reached[0] / 1000)
    latencies = [latency for update in by_update.values() for latency in update]
    failed_viewers = sum(1 for _, failed in seen if failed) + (args.viewers - len(seen))
    return {
        "viewers": args.viewers,
        "server": args.server,
        "http_server": args.http_server,
        "workers": args.workers,
        "connected": connected,
        "connected_seconds": round(connected_after, 2),
        "failed_viewers": failed_viewers,
        "failures": sorted({failed for _, failed in seen if failed}),
        "updates": len(plates),
        "updates_per_second": args.updates_per_second,
        "messages_received": sum(len(received) for received, _ in seen),
        "latency_p50_s": round(percentile(latencies, 0.50), 3),
        "latency_p99_s": round(percentile(latencies, 0.99), 3),
        "latency_max_s": round(max(latencies), 3) if latencies else None,
        # The same, to when the harness's processes read the message (their CPU wait added).
        "read_latency_p50_s": round(percentile(read_latencies, 0.50), 3),
        "read_latency_p99_s": round(percentile(read_latencies, 0.99), 3),
        "viewer_states_never_reached": behind,
        # Where the time went: to the check-in's answer and to the projector's publish (per
        # update), and from the publish of the message a viewer reached the state with to
        # its arrival (per viewer).
        "answered_p50_s": round(percentile(answered, 0.50), 3),
        "answered_max_s": round(max(answered), 3) if answered else None,
        "published_p50_s": round(percentile(list(published.values()), 0.50), 3),
        "published_max_s": round(max(published.values()), 3) if published else None,
        "after_publish_p50_s": round(percentile(after_publish, 0.50), 3),
        "after_publish_p99_s": round(percentile(after_publish, 0.99), 3),
        # The slowest viewer of each update: shows whether lateness is steady or a spike.
        "latency_max_by_update_s": [round(max(v), 3) for _, v in sorted(by_update.items()) if v],
        "final_waiting_total": truth["directions"][0]["waiting_total"],
        "server_rss_before_kib": rss_before,
        "server_rss_connected_kib": rss_connected,
        "server_kib_per_viewer": (
            round((rss_connected - rss_before) / args.viewers, 1) if server_pid else None
        ),
        "server_kib_per_viewer_at_end": (
            round((rss_end - rss_before) / args.viewers, 1) if server_pid else None
        ),
        "viewers_held_s": round(held_s, 1),
    }


async def check_in(
    client: httpx.AsyncClient, gate: str, body: dict[str, str], camera: dict[str, str]
) -> None:
    """One check-in; sent again once if the connection was lost (a keep-alive connection
    the server closed while idle, say): a check-in is idempotent by its event id."""
    for attempt in (1, 2):
        try:
            answer = await client.post(f"/api/v1/gates/{gate}/checkins", json=body, headers=camera)
            answer.raise_for_status()
            return
        except httpx.TransportError:
            if attempt == 2:
                raise


def seqs_for_updates(updates: int) -> dict[int, int]:
    """Which seq first showed each update, from what the probe decoded."""
    mapping: dict[int, int] = {}
    for seq, waiting in PROBE_STATES:
        for k in range(1, waiting + 1):
            mapping.setdefault(k, seq)
    return {k: s for k, s in mapping.items() if k <= updates}


PROBE_STATES: list[tuple[int, int]] = []


async def last_state_seq(updates: int, within_s: float) -> int:
    """The seq at which the probe first saw all ``updates`` (waiting for it ``within_s`` at
    most); 0 if it never did."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if updates in (mapping := seqs_for_updates(updates)):
            return mapping[updates]
        await asyncio.sleep(0.1)
    return 0


async def probe(url: str, stop: asyncio.Event) -> None:
    """One fully decoding viewer: the seq at which each waiting count first appeared."""
    state: dict[str, Any] = {}
    async with websockets.connect(url, compression=None) as ws:
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except TimeoutError:
                continue
            message = _seq_only.decode(raw)
            state = (
                dict(message["data"])
                if message["kind"] == "snapshot"
                else {**state, **message["data"]}
            )
            PROBE_STATES.append((message["seq"], state["directions"][0]["waiting_total"]))


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())


def platform_workers(viewers: int, least: int = 1) -> int:
    """Platform processes enough for ``viewers`` (at least ``least``): one holds at most its
    open-file limit of viewers, less some spare (20,000 here: 50,000 viewers need 3)."""
    return max(least, math.ceil(viewers / viewers_per_process()))


def spawn_platform(
    args: argparse.Namespace, port: int, boards_port: int, data_dir: str
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATE_")}
    if args.database_url:
        env["GATE_DATABASE_URL"] = args.database_url
    if args.redis_url:
        # A namespace of its own: the run's channels and projector lease are its own.
        env.update(GATE_REDIS_URL=args.redis_url, GATE_REDIS_NAMESPACE=f"fanout-{port}")
    env.update(
        GATE_PORT=str(port),
        GATE_BOARDS_PORT=str(boards_port),
        GATE_DATA_DIR=data_dir,
        GATE_ADMIN_TOKEN=ADMIN_TOKEN,
        GATE_SWEEP_SECONDS="0",
        # Every viewer comes from 127.0.0.1: no per-address cap, and room for them all among
        # the connections one process holds (the API's, with --server api).
        GATE_WS_MAX_PER_ADDRESS="0",
        GATE_BOARDS_MAX_PER_ADDRESS="0",
        GATE_MAX_CONNECTIONS=str(args.viewers + 1000),
    )
    command = [str(Path(sys.executable).with_name("gate"))]
    if args.http_server == "granian":  # gate serve with granian in uvicorn's place
        command = [sys.executable, str(ROOT / "loadtests" / "granian_serve.py")]
    # GATE_BENCH_SERVER_LOG keeps the platform's output, for when a run goes wrong.
    log_path = os.environ.get("GATE_BENCH_SERVER_LOG")
    output = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(
        [*command, "serve", "--workers", str(args.workers)],
        env=env,
        cwd=ROOT,
        stdout=output,
        stderr=output,
        start_new_session=True,
    )


async def until_serving(
    server: subprocess.Popen[bytes], base: str, boards_port: int, workers: int
) -> None:
    """Until the platform answers ready and every one of its ``workers`` listens on the
    boards' port (the kernel spreads viewers only over the processes listening when they
    connect: viewers let in earlier would crowd the first). A loaded machine takes a while
    to start them; 300 s at most, and an error if the platform exits."""
    deadline = time.monotonic() + 300
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"the platform exited ({server.returncode})")
            try:
                ready = (await client.get(f"{base}/health/ready")).status_code == 200
            except httpx.HTTPError:
                ready = False
            if ready and listeners(boards_port) >= workers:
                return
            await asyncio.sleep(0.2)
    raise RuntimeError("the platform did not start serving within 300 s")


def stop_platform(server: subprocess.Popen[bytes]) -> None:
    """Stops the platform's process group; killed if it has not stopped within 30 s (a
    uvicorn supervisor waiting on a worker that never answered its health check outlives a
    SIGTERM, and its workers would go on taking the machine's CPU from the next run)."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
    except ProcessLookupError:
        return  # it had exited already (and its failure is what the caller reports)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)


def listeners(port: int) -> int:
    """Sockets listening on ``port`` on this machine (IPv4, /proc/net/tcp: state 0A)."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(
        1
        for row in rows
        if (fields := row.split())[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port
    )


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    allow_many_connections()
    server: subprocess.Popen[bytes] | None = None
    base, pid, boards = args.url, args.server_pid, args.boards_url
    with tempfile.TemporaryDirectory() as data_dir:
        try:
            if base is None:
                port, boards_port = free_port(), free_port()
                server = spawn_platform(args, port, boards_port, data_dir)
                base, pid = f"http://127.0.0.1:{port}", server.pid
                boards = f"ws://127.0.0.1:{boards_port}"
                await until_serving(server, base, boards_port, args.workers)
            # The viewers' server: the boards' broadcast server, or the API's own endpoint.
            api_ws = base.replace("http://", "ws://")
            watched = boards if args.server == "boards" and boards else api_ws
            board = f"{watched}/ws/v1/gates/{args.gate}/board"
            stop_probe = asyncio.Event()
            probe_task = asyncio.create_task(probe(board, stop_probe))
            try:
                return await run(args, base, board, pid)
            finally:
                stop_probe.set()
                await probe_task
        finally:
            # Whatever failed above: a platform left running would load the next run.
            if server is not None:
                stop_platform(server)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10, help="how long the board changes")
    parser.add_argument("--updates-per-second", type=float, default=2)
    parser.add_argument("--gate", default="tan-thanh")
    parser.add_argument("--url", default=None, help="a running platform (default: start one)")
    parser.add_argument("--server-pid", type=int, default=None)
    parser.add_argument("--boards-url", default=None, help="its boards' server, ws://host:port")
    parser.add_argument(
        "--server",
        choices=("boards", "api"),
        default="boards",
        help="watch the boards' broadcast server (default) or the API's websocket endpoint",
    )
    parser.add_argument(
        "--http-server",
        choices=("uvicorn", "granian"),
        default="uvicorn",
        help="what serves the platform it starts (the boards' server runs inside it either way)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="platform processes (default: as many as the viewers need; one process holds "
        "at most its open-file limit of viewers)",
    )
    parser.add_argument("--redis-url", default=None, help="for --workers > 1: their live bus")
    parser.add_argument("--database-url", default=None, help="default: embedded SQLite")
    parser.add_argument("--processes", type=int, default=0, help="viewer processes (default: auto)")
    parser.add_argument("--out", default=None, help="write the results as JSON here")
    args = parser.parse_args()
    args.workers = args.workers or platform_workers(args.viewers)
    if args.workers > 1 and not args.redis_url:
        parser.error("--workers above 1 needs --redis-url: the projector of one process feeds all")
    results = asyncio.run(main_async(args))
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    ok = results["failed_viewers"] == 0 and results["viewer_states_never_reached"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

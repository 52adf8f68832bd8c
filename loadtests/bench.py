"""The benchmark: in one run, the platform's check-in throughput and latency, the booking rush
and the websocket fan-out, beside the machine's own ceilings (pgbench -N on the same
PostgreSQL, a plain JSON endpoint of the same server), written into docs/benchmarks.md.

    .venv/bin/python loadtests/bench.py            # needs PostgreSQL, Redis, pgbench and wrk

It starts its own platform (`gate serve --workers 2`, a process per core as deployed, on a
scratch PostgreSQL database and a Redis namespace of its own), sends traffic to 127.0.0.1 only, bounded in time,
and stops everything it started.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from loadtests.rawhttp import RawConnection

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("GATE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("GATE_BENCH_REDIS", "redis://127.0.0.1:6379/0")
ADMIN = "bench-admin-token"
DOC = ROOT / "docs" / "benchmarks.md"


def sh(*command: str, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {done.stderr[-2000:]}")
    return done.stdout


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    raise RuntimeError(f"{name} not found (apt-get install postgresql-client)")


def scratch_database(name: str) -> str:
    psql = pg_tool("psql")
    sh(psql, PG_ADMIN, "-q", "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    sh(psql, PG_ADMIN, "-q", "-c", f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def pgbench(seconds: int) -> dict[str, float]:
    """The machine's write ceiling: pgbench's simple-update transactions, 8 clients."""
    url = scratch_database("gate_bench_pgbench")
    tool = pg_tool("pgbench")
    sh(tool, "-i", "-q", "-s", "10", url)
    out = sh(tool, "-N", "-c", "8", "-j", "2", "-T", str(seconds), url)
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))  # type: ignore[union-attr]
    return {"tps": round(tps), "latency_avg_ms": latency}


def wrk(
    url: str,
    seconds: int,
    connections: int,
    script: str | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", script]
    out = sh(*command, url, env={**os.environ, **(env or {})}, timeout=seconds + 60)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    percentiles = dict(re.findall(r"\s+(50|99)%\s+([\d.]+\w+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    outcomes = re.search(r"outcomes admitted=(\d+) refused=(\d+)", out)
    result: dict[str, float] = {
        "rps": round(rps),
        "p50": _ms(percentiles.get("50")),
        "p99": _ms(percentiles.get("99")),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }
    if outcomes:  # the check-in script counts what the platform answered
        result["admitted"], result["refused"] = int(outcomes.group(1)), int(outcomes.group(2))
    repeated = re.search(r"repeated=(\d+)", out)
    if repeated:  # booked trucks read again once the prepared ones ran out
        result["repeated"] = int(repeated.group(1))
    return result


def _ms(value: str | None) -> float | None:
    """wrk's "812.00us", "1.52ms", "1.02s" in milliseconds."""
    if value is None:
        return None
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        return None
    number, unit = float(match.group(1)), match.group(2)
    return round(number * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit], 3)


@contextmanager
def platform(database_url: str, port: int, namespace: str, workers: int = 1) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATE_")}
    env.update(
        GATE_DATABASE_URL=database_url,
        GATE_REDIS_URL=REDIS,
        GATE_REDIS_NAMESPACE=namespace,
        GATE_ADMIN_TOKEN=ADMIN,
        GATE_PORT=str(port),
        GATE_SWEEP_SECONDS="0",
        GATE_DATA_DIR=tempfile.mkdtemp(prefix="gate-bench-"),
    )
    # GATE_BENCH_SERVER_LOG keeps the platform's log (to see what a 5xx was), else it goes.
    kept = os.environ.get("GATE_BENCH_SERVER_LOG")
    log = open(kept, "wb") if kept else tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [str(BIN / "gate"), "serve", "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("the platform did not start")
        yield base, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        log.close()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN}"}


def open_gate(base: str, capacity: int = 10_000, gate: str = "tan-thanh") -> None:
    for direction in ("export", "import"):
        httpx.put(
            f"{base}/api/v1/gates/{gate}/schedules/{direction}",
            headers=admin(),
            json={"hourly_capacity": capacity, "opens_at": 0, "closes_at": 24},
        ).raise_for_status()


def camera(base: str, gate: str = "tan-thanh", direction: str = "export") -> str:
    made = httpx.post(
        f"{base}/api/v1/gates/{gate}/devices",
        headers=admin(),
        json={"name": "bench", "kind": "lpr_camera", "direction": direction},
    )
    made.raise_for_status()
    return str(made.json()["token"])


def fixed_rate(
    base: str,
    tokens: list[str],
    rate: int,
    seconds: int,
    gate: str = "chi-ma",
    plates: Path | None = None,
) -> dict[str, Any]:
    """Check-ins offered at a fixed rate by Locust (constant throughput), latency percentiles;
    a check-in that is not admitted counts as a failure. Walk-ins, or with ``plates`` the
    booked trucks listed there (``tokens``: the export camera, then the import one)."""
    out = Path(tempfile.mkdtemp(prefix="gate-bench-locust-"))
    # Many users each sending a few a second: a user waits for its answer before its next
    # request, so 50 users at 20/s could offer only 500/s once answers took 100 ms.
    per_user = 2
    users = max(1, rate // per_user)
    env = {
        **os.environ,
        "BENCH_TOKENS": ",".join(tokens),
        "BENCH_GATE": gate,
        "BENCH_RATE_PER_USER": str(per_user),
    }
    if plates is not None:
        env["BENCH_PLATES"] = str(plates)
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "loadtests" / "fixed_rate.py"),
            "--host",
            base,
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users * 10),  # every camera at once: a ramp would count as missed rate
            "-t",
            f"{seconds}s",
            "--only-summary",
            "--csv",
            str(out / "run"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=False,
    )
    with (out / "run_stats.csv").open() as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    row = rows["Aggregated"]
    return {
        "offered_per_s": rate,
        "achieved_per_s": round(float(row["Requests/s"])),
        "p50_ms": float(row["50%"]),
        "p99_ms": float(row["99%"]),
        "failures": int(row["Failure Count"]),
    }


async def booking_rush(base: str, attempts: int, capacity: int) -> dict[str, Any]:
    """``attempts`` bookings of distinct vehicles on one slot with ``capacity`` places, all at
    once, as when a slot opens."""
    async with httpx.AsyncClient(
        base_url=base,
        timeout=60,
        limits=httpx.Limits(max_connections=200, keepalive_expiry=2),
    ) as client:
        enterprise = (
            await client.post(
                "/api/v1/enterprises",
                headers=admin(),
                json={"name": "Rush", "tax_code": f"{uuid.uuid4().int % 10**10:010d}"},
            )
        ).json()
        key = (
            await client.post(
                f"/api/v1/enterprises/{enterprise['id']}/api-keys",
                headers=admin(),
                json={"name": "rush"},
            )
        ).json()["token"]
        headers = {"Authorization": f"Bearer {key}"}
        driver = (
            await client.post(
                "/api/v1/drivers",
                headers=headers,
                json={"full_name": "Rush", "id_number": "079000099999", "phone": "0900000000"},
            )
        ).json()
        gate = asyncio.Semaphore(100)

        async def register(n: int) -> str:
            async with gate:
                plate = f"{10 + n // 100000 % 89:02d}C{n % 100000:05d}"
                made = await client.post(
                    "/api/v1/vehicles",
                    headers=headers,
                    json={"plate": plate, "vehicle_type": "truck"},
                )
                return str(made.json()["id"])

        vehicles = await asyncio.gather(*(register(n) for n in range(attempts)))
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        start_iso = datetime.fromtimestamp(hour.timestamp() + 4 * 3600, UTC).isoformat()
        (
            await client.post(
                "/api/v1/gates/tan-thanh/capacity-overrides",
                headers=admin(),
                json={"direction": "export", "starts_at": start_iso, "capacity": capacity},
            )
        ).raise_for_status()
        bodies = [
            {
                "gate": "tan-thanh",
                "direction": "export",
                "slot_start": start_iso,
                "vehicle_id": v,
                "driver_id": driver["id"],
                "cargo": {"description": "rush", "weight_kg": 1000},
            }
            for v in vehicles
        ]
        # The attempts go out on 200 bare keep-alive connections (loadtests/rawhttp.py):
        # httpx cost about as much CPU per request as the platform, on the same cores.
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        for body in bodies:
            queue.put_nowait(body)
        statuses: list[int] = []

        async def attempt_all(connection: RawConnection) -> None:
            try:
                while not queue.empty():
                    body = queue.get_nowait()
                    keyed = {**headers, "Idempotency-Key": uuid.uuid4().hex}
                    status, _ = await connection.post(
                        "/api/v1/bookings", json.dumps(body).encode(), keyed
                    )
                    statuses.append(status)
            finally:
                await connection.close()

        started = time.monotonic()
        await asyncio.gather(*(attempt_all(RawConnection(base)) for _ in range(200)))
        took = time.monotonic() - started
        availability = (
            await client.get(
                "/api/v1/gates/tan-thanh/availability",
                params={"direction": "export", "from": start_iso, "hours": 1},
            )
        ).json()["slots"][0]
    return {
        "attempts": attempts,
        "capacity": capacity,
        "seconds_to_answer_all": round(took, 2),
        "confirmed": statuses.count(201),
        "refused_409": statuses.count(409),
        "server_errors": sum(1 for s in statuses if s >= 500),
        "stored_booked": availability["booked"],
    }


async def booked_trucks(base: str, gate: str, counts: list[int]) -> tuple[list[Path], float]:
    """Trucks booked into the current hour of ``gate`` through the API, half for export, half
    for import: for each of ``counts`` a file of as many "direction plate" lines (for the wrk
    script and the fixed-rate Locust file), and how long the booking took."""
    count = sum(counts)
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        enterprise = (
            await client.post(
                "/api/v1/enterprises",
                headers=admin(),
                json={"name": "Booked", "tax_code": f"{uuid.uuid4().int % 10**10:010d}"},
            )
        ).json()
        key = (
            await client.post(
                f"/api/v1/enterprises/{enterprise['id']}/api-keys",
                headers=admin(),
                json={"name": "booked"},
            )
        ).json()["token"]
        headers = {"Authorization": f"Bearer {key}"}
        driver = (
            await client.post(
                "/api/v1/drivers",
                headers=headers,
                json={"full_name": "Booked", "id_number": "079000088888", "phone": "0900000000"},
            )
        ).json()
    pending = list(range(count))
    lines: list[str] = []

    async def book_all(connection: RawConnection) -> None:
        try:
            while pending:
                n = pending.pop()
                plate = f"{10 + n // 100000 % 89:02d}LD{n % 100000:05d}"  # a series of their own
                # This hour, local time (the next one if the preparation crosses the hour).
                hour = time.strftime("%Y-%m-%dT%H:00:00+07:00", time.gmtime(time.time() + 7 * 3600))
                direction = ("export", "import")[n % 2]
                status, made = await connection.post(
                    "/api/v1/vehicles",
                    json.dumps({"plate": plate, "vehicle_type": "truck"}).encode(),
                    headers,
                )
                assert status == 201, made
                body = {
                    "gate": gate,
                    "direction": direction,
                    "slot_start": hour,
                    "vehicle_id": json.loads(made)["id"],
                    "driver_id": driver["id"],
                    "cargo": {"description": "booked", "weight_kg": 1000},
                }
                status, booked = await connection.post(
                    "/api/v1/bookings", json.dumps(body).encode(), headers
                )
                assert status == 201, booked
                lines.append(f"{direction} {plate}")
        finally:
            await connection.close()

    started = time.monotonic()
    await asyncio.gather(*(book_all(RawConnection(base)) for _ in range(64)))
    took = time.monotonic() - started
    folder = Path(tempfile.mkdtemp(prefix="gate-bench-plates-"))
    paths, start = [], 0
    for n, size in enumerate(counts):
        path = folder / f"plates-{n}.txt"
        path.write_text("\n".join(lines[start : start + size]) + "\n")
        paths.append(path)
        start += size
    return paths, took


def run_fanout(viewers: int, seconds: int, attempts: int = 2) -> dict[str, Any]:
    """The fan-out harness in a process of its own, with a platform of its own: two
    processes (one process may hold at most its open-file limit of viewers, 20,000 here)
    fed by one projector through Redis, as deployed. Run again once if it could not finish
    (its platform failed to start, say), and its error shown if it fails twice."""
    command = [sys.executable, str(ROOT / "loadtests" / "fanout.py")]
    command += ["--viewers", str(viewers), "--seconds", str(seconds), "--workers", "2"]
    command += ["--redis-url", REDIS, "--database-url", scratch_database("gate_bench_fanout")]
    for attempt in range(attempts):
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode == 0 and "{" in done.stdout:
            return dict(json.loads(done.stdout[done.stdout.index("{") :]))
        print(f"fan-out run {attempt + 1} failed: {done.stderr[-2000:]}", file=sys.stderr)
    raise RuntimeError("the fan-out harness failed twice; see above")


def rss_kib(pid: int) -> int:
    total = 0
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    for child in [pid, *map(int, children.stdout.split())]:
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rush", type=int, default=2000, help="booking attempts in the rush")
    parser.add_argument("--viewers", type=int, default=20000)
    parser.add_argument(
        "--workers", type=int, default=2, help="platform processes (default: one per core)"
    )
    parser.add_argument("--no-doc", action="store_true", help="print, do not write the document")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "loadtests/bench.py", *sys.argv[1:]]),
        "machine": f"{os.cpu_count()} cores",
        "workers": args.workers,
    }
    print("pgbench -N …", flush=True)
    results["pgbench"] = pgbench(args.seconds)
    database = scratch_database("gate_bench_platform")
    port = free_port()
    namespace = f"bench-{uuid.uuid4().hex[:6]}"
    with platform(database, port, namespace, workers=args.workers) as (base, pid):
        results["rss_idle_kib"] = rss_kib(pid)
        print("plain JSON endpoint …", flush=True)
        results["plain_json"] = wrk(f"{base}/health/live", args.seconds, 64)
        # Each measurement on a gate of its own, with cameras of both directions: an hour of
        # one direction holds 10,000 trucks, and every walk-in must find a place.
        for gate in ("tan-thanh", "huu-nghi", "chi-ma"):
            open_gate(base, gate=gate)
        script = str(ROOT / "loadtests" / "wrk" / "checkin.lua")
        print("check-ins at saturation …", flush=True)
        runs = ((32, "tan-thanh", "", "H"), (128, "huu-nghi", "_128", "D"))
        for connections, gate, key, series in runs:
            cameras = {
                "TOKEN": camera(base, gate, "export"),
                "TOKEN2": camera(base, gate, "import"),
                "GATE": gate,
                "SERIES": series,
            }
            results[f"checkin_saturation{key}"] = wrk(
                f"{base}/api/v1/gates/{gate}/checkins", args.seconds, connections, script, cameras
            )
        print("check-ins at 1,000/s offered …", flush=True)
        results["checkin_fixed_rate"] = fixed_rate(
            base, [camera(base, "chi-ma", d) for d in ("export", "import")], 1000, args.seconds
        )
        # Booked trucks, the common case, on a gate of their own: booked through the API
        # first (a run reads each plate once), then read at saturation and at a fixed rate.
        booked_seconds = min(args.seconds, 5)
        open_gate(base, gate="coc-nam")
        print("booking the trucks for the booked check-ins …", flush=True)
        (saturation_plates, rate_plates), took = asyncio.run(
            booked_trucks(base, "coc-nam", [2400 * booked_seconds, 1100 * booked_seconds])
        )
        results["booked_preparation_s"] = round(took, 1)
        booked_cameras = [camera(base, "coc-nam", d) for d in ("export", "import")]
        print("booked check-ins at saturation …", flush=True)
        booked = wrk(
            f"{base}/api/v1/gates/coc-nam/checkins",
            booked_seconds,
            128,
            str(ROOT / "loadtests" / "wrk" / "checkin_booked.lua"),
            {
                "TOKEN": booked_cameras[0],
                "TOKEN2": booked_cameras[1],
                "GATE": "coc-nam",
                "PLATES": str(saturation_plates),
            },
        )
        booked["admitted_per_s"] = round(booked.get("admitted", 0) / booked_seconds)
        results["checkin_booked_saturation"] = booked
        print("booked check-ins at 1,000/s offered …", flush=True)
        results["checkin_booked_fixed_rate"] = fixed_rate(
            base, booked_cameras, 1000, booked_seconds, gate="coc-nam", plates=rate_plates
        )
        print("booking rush …", flush=True)
        results["booking_rush"] = asyncio.run(booking_rush(base, args.rush, 100))
        results["rss_after_kib"] = rss_kib(pid)
    print("websocket fan-out …", flush=True)
    results["fanout"] = run_fanout(args.viewers, args.seconds)
    results["ratios"] = {
        "checkin_saturation_over_pgbench": round(
            results["checkin_saturation"]["rps"] / results["pgbench"]["tps"], 3
        ),
        "checkin_saturation_over_plain_json": round(
            results["checkin_saturation"]["rps"] / results["plain_json"]["rps"], 3
        ),
    }
    text = json.dumps(results, indent=2)
    print(text)
    out = ROOT / "loadtests" / "results"
    out.mkdir(exist_ok=True)
    (out / f"bench-{results['date'][:10]}.json").write_text(text + "\n")
    if not args.no_doc:
        write_document(results)
    return 0


def write_document(r: dict[str, Any]) -> None:
    """Replace the generated section of docs/benchmarks.md with this run's figures."""
    c, c128, f, rush, fan = (
        r["checkin_saturation"],
        r["checkin_saturation_128"],
        r["checkin_fixed_rate"],
        r["booking_rush"],
        r["fanout"],
    )
    b, bf = r["checkin_booked_saturation"], r["checkin_booked_fixed_rate"]
    pg = r["pgbench"]["tps"]
    section = f"""<!-- bench:start -->
Generated by `{r.get("command", ".venv/bin/python loadtests/bench.py")}` on {r["date"]} ({r["machine"]}; the
platform is `gate serve --workers {r["workers"]}` on PostgreSQL and Redis, the public boards
on its boards' broadcast server; the load generators run on the same cores).

| what | figure | target | ratio |
|---|---|---|---|
| pgbench -N, 8 clients (the machine's write ceiling) | {r["pgbench"]["tps"]:,} tps | – | 1 |
| plain JSON endpoint of the same server (wrk, 64 connections) | {r["plain_json"]["rps"]:,} req/s | – | – |
| check-in with full semantics, saturation (wrk, 32 connections; walk-ins: device auth, slot place, booking, transition, audit entry, queue position, publish) | {c["rps"]:,} /s, p50 {c["p50"]} ms, p99 {c["p99"]} ms, non-2xx {c["non_2xx"]}, admitted {c.get("admitted", "?"):,}, refused {c.get("refused", "?"):,} | ≥ 1.25 × pgbench | {r["ratios"]["checkin_saturation_over_pgbench"]} × pgbench; {r["ratios"]["checkin_saturation_over_plain_json"]} × plain JSON |
| the same with 128 connections | {c128["rps"]:,} /s, p50 {c128["p50"]} ms, p99 {c128["p99"]} ms, non-2xx {c128["non_2xx"]}, admitted {c128.get("admitted", "?"):,}, refused {c128.get("refused", "?"):,} | ≥ 1.25 × pgbench | {round(c128["rps"] / r["pgbench"]["tps"], 3)} × pgbench |
| check-in of walk-ins at {f["offered_per_s"]:,}/s offered (Locust, constant throughput) | achieved {f["achieved_per_s"]:,}/s, p50 {f["p50_ms"]} ms, p99 {f["p99_ms"]} ms, failures {f["failures"]} | p99 < 25 ms | – |
| check-in of booked trucks, saturation (wrk, 128 connections, {r["booked_preparation_s"]} s to book them first; booking lookup, arrival judged, transition, audit entry, queue position, publish) | admitted {b["admitted_per_s"]:,} /s, p50 {b["p50"]} ms, p99 {b["p99"]} ms, non-2xx {b["non_2xx"]}, admitted {b.get("admitted", "?"):,}, read twice {b.get("repeated", "?")} | ≥ 1.25 × pgbench | {round(b["admitted_per_s"] / pg, 3)} × pgbench |
| check-in of booked trucks at {bf["offered_per_s"]:,}/s offered (Locust) | achieved {bf["achieved_per_s"]:,}/s, p50 {bf["p50_ms"]} ms, p99 {bf["p99_ms"]} ms, failures {bf["failures"]} | p99 < 25 ms | – |
| booking rush: {rush["attempts"]:,} attempts on one slot of {rush["capacity"]} | all answered in {rush["seconds_to_answer_all"]} s; confirmed {rush["confirmed"]}, refused {rush["refused_409"]}, 5xx {rush["server_errors"]}, stored {rush["stored_booked"]} | 10,000 in 5 s, exactly the capacity, no 5xx | – |
| websocket fan-out: {fan["viewers"]:,} viewers of one board on the boards' broadcast server ({fan["workers"]} processes sharing its port, fed through Redis), {fan["updates_per_second"]} updates/s | connected in {fan["connected_seconds"]} s; p50 {fan["latency_p50_s"]} s, p99 {fan["latency_p99_s"]} s, max {fan["latency_max_s"]} s, failed {fan["failed_viewers"]}, states never reached {fan["viewer_states_never_reached"]}, {fan["server_kib_per_viewer"]} KiB/viewer | 20,000 viewers, p99 < 1 s | – |
| platform memory (RSS) | idle {r["rss_idle_kib"] // 1024} MiB, after the run {r["rss_after_kib"] // 1024} MiB | – | – |
<!-- bench:end -->"""
    text = DOC.read_text()
    if "<!-- bench:start -->" in text:
        text = re.sub(r"<!-- bench:start -->.*<!-- bench:end -->", section, text, flags=re.S)
    else:
        text += "\n## The whole benchmark (load-test issue)\n\n" + section + "\n"
    DOC.write_text(text)


if __name__ == "__main__":
    sys.exit(main())

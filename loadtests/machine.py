"""The machine under the benchmark: its own ceilings (pgbench -N on the same PostgreSQL, wrk
against an endpoint), the tools they need, scratch databases, and what a process costs."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("GATE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("GATE_BENCH_REDIS", "redis://127.0.0.1:6379/0")


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
    """A new empty database ``name`` (dropped first when there), its URL. GATE_BENCH_DB_TAG,
    when set, is appended to the name: two people benchmarking on one machine would
    otherwise drop each other's database in the middle of a run (DROP ... WITH (FORCE))."""
    name += os.environ.get("GATE_BENCH_DB_TAG", "")
    psql = pg_tool("psql")
    sh(psql, PG_ADMIN, "-q", "-c", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    sh(psql, PG_ADMIN, "-q", "-c", f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def pgbench(seconds: int, database: str = "gate_bench_pgbench") -> dict[str, float]:
    """The machine's write ceiling: pgbench's simple-update transactions, 8 clients, in a
    scratch ``database`` (a name of its own when other benchmarks may run beside)."""
    url = scratch_database(database)
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
    threads: int = 2,
) -> dict[str, float]:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
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


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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


# The ceilings' tables (loadtests/ceilings.py, loadtests/ceiling_batch.py), made afresh for
# each measurement in its scratch database.
CEILING_TABLES = """
CREATE TABLE ceiling_reads (event_id text, observed_at timestamptz, plate text);
CREATE TABLE ceiling_events (event_id text PRIMARY KEY);
CREATE TABLE ceiling_slots (
    gate text, direction text, starts_at timestamptz, taken int NOT NULL, capacity int NOT NULL,
    PRIMARY KEY (gate, direction, starts_at)
);
CREATE TABLE ceiling_queue (gate text PRIMARY KEY, last int NOT NULL);
CREATE TABLE ceiling_bookings (
    event_id text NOT NULL, plate text PRIMARY KEY, position int, arrived_at timestamptz
);
CREATE TABLE ceiling_audit_head (chain text PRIMARY KEY, seq bigint NOT NULL, hash text NOT NULL);
INSERT INTO ceiling_audit_head VALUES ('ceiling', 0, repeat('0', 64));
CREATE TABLE ceiling_audit (
    chain text, seq bigint, hash text NOT NULL, record text NOT NULL, PRIMARY KEY (chain, seq)
);
CREATE TABLE ceiling_rush_bookings (
    id text PRIMARY KEY, vehicle_id text NOT NULL,
    gate text NOT NULL, direction text NOT NULL, starts_at timestamptz NOT NULL
);
"""
SERVERS = ("uvicorn", "granian")


def server_command(server: str, target: str, port: int, workers: int) -> list[str]:
    """The command serving the ASGI app ``target`` ("module:attribute") on 127.0.0.1:``port``
    with ``workers`` processes, as the platform is served: uvicorn with httptools and uvloop,
    or granian (HTTP/1, uvloop; the [bench] extra); no access log. ValueError for another
    ``server``."""
    if server == "uvicorn":
        command = [str(BIN / "uvicorn"), target, "--port", str(port), "--workers", str(workers)]
        command += ["--http", "httptools", "--loop", "uvloop", "--no-access-log"]
        return [*command, "--log-level", "warning"]
    if server == "granian":
        command = [str(BIN / "granian"), "--interface", "asgi", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--workers", str(workers), "--loop", "uvloop"]
        return [*command, "--http", "1", "--log-level", "warning", target]
    raise ValueError(f"no server {server!r}: one of {', '.join(SERVERS)}")


@contextmanager
def ceiling_server(
    mode: str, workers: int = 2, server: str = "uvicorn"
) -> Iterator[tuple[str, str]]:
    """loadtests/ceilings.py in ``mode`` served by ``server`` with ``workers`` processes on
    a scratch database of its own with the ceilings' tables, until the block ends: its base
    URL and the database's URL. RuntimeError if it did not start within 30 s."""
    import httpx

    database = scratch_database("gate_bench_ceiling")
    sh(pg_tool("psql"), database, "-q", "-c", CEILING_TABLES)
    port = free_port()
    env = {
        **os.environ,
        "CEILING_MODE": mode,
        "CEILING_DATABASE": database,
        "CEILING_REDIS": REDIS,
        "PYTHONPATH": str(ROOT),
    }
    command = server_command(server, "loadtests.ceilings:app", port, workers)
    process = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"the ceiling did not start under {server}")
        yield base, database
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def ceiling(
    mode: str, seconds: int, connections: int, workers: int = 2, server: str = "uvicorn"
) -> dict[str, float]:
    """wrk with the check-in script against loadtests/ceilings.py in ``mode`` (decode,
    insert, group, checkin), served as the platform is (``server``, ``workers`` processes);
    wrk's figures."""
    with ceiling_server(mode, workers, server) as (base, _):
        script = str(ROOT / "loadtests" / "wrk" / "checkin.lua")
        url = f"{base}/api/v1/gates/ceiling/checkins"
        return wrk(url, seconds, connections, script, {"TOKEN": "-", "GATE": "ceiling"})

"""The statistics over a year (issue 17): a scratch PostgreSQL database filled with a year of
history (``statistics_year.py``), the rollups rebuilt and a day's changes folded by the job
(each a ``gate`` command, timed, its peak memory read), then every read of
``gate/statistics/reads.py`` timed over a day, a week, a month and a year, for one gate and
for all, beside pgbench's figure taken in the same run, and the open data's two history
routes over HTTP (``gate serve`` on the database). Prints the figures as JSON and as the
tables of docs/benchmarks.md's "Statistics over a year"; drops the database at the end
unless ``--keep``.

    nice -n 10 .venv/bin/python loadtests/statistics_bench.py --repeat 20
    # generated once and kept, then measured again (rebuilt, or reads only):
    nice -n 10 .venv/bin/python loadtests/statistics_bench.py --keep --reuse [--no-rebuild]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loadtests.harness import platform
from loadtests.machine import BIN, PG_ADMIN, free_port, pg_tool, pgbench, scratch_database, sh
from loadtests.statistics_year import generate, local_midnight

DATABASE = "gate_statistics_year"
RANGES = {"day": 1, "week": 7, "month": 30, "year": 365}


async def last_day_ids(url: str, end: datetime) -> list[str]:
    """The bookings of the year's last local day (a database kept from an earlier run)."""
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT id FROM bookings WHERE slot_start >= $1 AND slot_start < $2",
            end - timedelta(days=1),
            end,
        )
        return [row["id"] for row in rows]
    finally:
        await connection.close()


def timed_command(*args: str, url: str) -> dict[str, Any]:
    """Run ``gate …`` on the database: its output, seconds and peak memory (MiB)."""
    env = {**os.environ, "GATE_DATABASE_URL": url}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "gate"), *args], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "output": done.stdout.strip(),
        "seconds": round(seconds, 1),
        # ru_maxrss of the children is the largest child's; the first command sets it.
        "peak_mib": round(max(peak, before) / 1024) if peak > before else None,
    }


async def change_a_day(url: str, ids: list[str]) -> int:
    """What a day at the gates adds to the chains: the last day's bookings changed (their
    exit a minute later) and four audit entries named per booking, as its check-in, call,
    decision and exit would write; how many entries."""
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            "UPDATE bookings SET exited_at = exited_at + interval '1 minute'"
            " WHERE id = ANY($1::varchar[]) AND exited_at IS NOT NULL",
            ids,
        )
        rows = await connection.fetch(
            "SELECT id, gate_id FROM bookings WHERE id = ANY($1::varchar[]) ORDER BY id", ids
        )
        seqs: dict[str, int] = {}
        entries = []
        for row in rows:
            for event in ("checked_in", "called", "decided", "exited"):
                seq = seqs[row["gate_id"]] = seqs.get(row["gate_id"], 0) + 1
                entries.append(
                    (
                        row["gate_id"],
                        seq,
                        datetime.now().astimezone(),
                        f"booking.{event}",
                        row["id"],
                        "system",
                        "{}",
                        "0" * 64,
                        "0" * 64,
                    )
                )
        await connection.copy_records_to_table(
            "audit_log",
            records=entries,
            columns=(
                "chain",
                "seq",
                "occurred_at",
                "event",
                "subject_id",
                "actor_kind",
                "data",
                "prev_hash",
                "entry_hash",
            ),
        )
        return len(entries)
    finally:
        await connection.close()


async def measure_reads(
    url: str, end: datetime, repeat: int, reads_file: str | None = None
) -> list[dict[str, Any]]:
    """p50 and p95 (ms) of each read per range and scope, one session per call as a request
    has, after one call to warm the caches; ``reads_file``: another version of
    ``gate/statistics/reads.py`` to measure (``git show REV:gate/statistics/reads.py``)."""
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from gate.statistics import reads

    if reads_file:
        import importlib.util

        spec = importlib.util.spec_from_file_location("reads_before", reads_file)
        assert spec and spec.loader
        reads = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(reads)
    from gate.store.tables import Gate

    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://"))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        gate_id = await session.scalar(select(Gate.id).where(Gate.code == "huu-nghi"))
    results = []
    try:
        for name, days in RANGES.items():
            grain = reads.Grain.HOUR if days == 1 else reads.Grain.DAY
            for scope_name, gate in (("one gate", gate_id), ("all gates", None)):
                scope = reads.Scope(end - timedelta(days=days), end, gate_id=gate)
                calls = _calls(reads, scope, grain)
                for read, call in calls.items():
                    times = []
                    for attempt in range(repeat + 1):
                        async with sessions() as session:
                            started = time.perf_counter()
                            await call(session)
                            if attempt:
                                times.append((time.perf_counter() - started) * 1000)
                    results.append(
                        {"read": read, "range": name, "scope": scope_name, **_percentiles(times)}
                    )
    finally:
        await engine.dispose()
    return results


def _calls(reads: Any, scope: Any, grain: Any) -> dict[str, Callable[[Any], Awaitable[Any]]]:
    """Each read as the statistics page calls it (the waits' distribution per period), and
    the six one after another in one session: what the page's request costs."""
    from gate.domain.statistics import Measure
    from gate.statistics.capacity import capacity_use

    calls: dict[str, Callable[[Any], Awaitable[Any]]] = {
        "counts": lambda s: reads.counts(s, scope, grain),
        "distributions": lambda s: reads.distributions(s, Measure.WAIT_FOR_CALL, scope, grain),
        "forecast_accuracy": lambda s: reads.forecast_accuracy(s, scope, grain),
        "typical_waits": lambda s: reads.typical_waits(s, scope),
        "agency_times": lambda s: reads.agency_times(s, scope),
        "capacity_use": lambda s: capacity_use(s, scope, grain),
    }
    page = list(calls.values())

    async def every(session: Any) -> None:
        for call in page:
            await call(session)

    calls["the page (all six)"] = every
    return calls


def _percentiles(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, round(0.95 * len(times)) - 1)], 1),
    }


def http_routes(end: datetime) -> dict[str, str]:
    """The open data's history routes as a client asks them, at Hữu Nghị: the default
    window, a page of a year's days (100, the most a page holds), the year per direction,
    and the typical week over the default 8 weeks and the most, 52."""
    last = (end - timedelta(days=1)).date()
    year = f"from={last - timedelta(days=364)}&to={last}&limit=100"
    base = "/api/v1/statistics/gates/huu-nghi"
    return {
        "days (28, default)": f"{base}/days?to={last}&limit=28",
        "days (year, a page of 100)": f"{base}/days?{year}",
        "days (year, export, a page of 100)": f"{base}/days?{year}&direction=export",
        "typical-waits (8 weeks)": f"{base}/typical-waits?to={last}",
        "typical-waits (52 weeks)": f"{base}/typical-waits?to={last}&weeks=52",
        "typical-waits (52 weeks, import)": (
            f"{base}/typical-waits?to={last}&weeks=52&direction=import"
        ),
    }


def measure_http(url: str, end: datetime, repeat: int) -> list[dict[str, Any]]:
    """p50 and p95 (ms) of each history route over HTTP, one client, one request at a time,
    after one to warm up (``gate serve --workers 1`` on the database; no If-None-Match, so
    every answer is computed)."""
    import uuid

    import httpx

    results = []
    with (
        platform(url, free_port(), f"statbench-{uuid.uuid4().hex[:6]}") as (base, _),
        httpx.Client(base_url=base, timeout=60) as client,
    ):
        for name, path in http_routes(end).items():
            times = []
            for attempt in range(repeat + 1):
                started = time.perf_counter()
                answer = client.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                if answer.status_code != 200:
                    raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
                if attempt:
                    times.append(elapsed)
            results.append({"route": name, "bytes": len(answer.content), **_percentiles(times)})
    return results


def table(results: list[dict[str, Any]]) -> str:
    """Markdown: a row per read and scope, a column per range (p50 / p95 ms)."""
    lines = ["| read | scope | " + " | ".join(RANGES) + " |", "|---|---|" + "---|" * len(RANGES)]
    keyed = {(r["read"], r["scope"], r["range"]): r for r in results}
    for read in dict.fromkeys(r["read"] for r in results):
        for scope in ("one gate", "all gates"):
            cells = [
                f"{keyed[read, scope, name]['p50_ms']} / {keyed[read, scope, name]['p95_ms']}"
                for name in RANGES
            ]
            lines.append(f"| {read} | {scope} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--end", default="2026-11-29", help="the local day after the year")
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per read")
    parser.add_argument("--keep", action="store_true", help="leave the database for EXPLAIN")
    parser.add_argument("--reuse", action="store_true", help="a database kept before")
    parser.add_argument("--no-rebuild", action="store_true", help="measure the reads only")
    parser.add_argument("--database", default=DATABASE, help="the scratch database's name")
    parser.add_argument("--pgbench-seconds", type=int, default=20)
    parser.add_argument("--reads", help="measure this file's reads instead (a version before)")
    args = parser.parse_args()
    end = local_midnight(args.end)
    report: dict[str, Any] = {"end": args.end}
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{args.database}"
    pgbench_database = f"{args.database}_pgbench"
    try:
        if not args.reuse:
            url = scratch_database(args.database)
            sh(str(BIN / "gate"), "db", "upgrade", env={**os.environ, "GATE_DATABASE_URL": url})
            sh(str(BIN / "gate"), "db", "seed", env={**os.environ, "GATE_DATABASE_URL": url})
            started = time.perf_counter()
            year = asyncio.run(generate(url, end))
            report["generated"] = {
                "bookings": year.bookings,
                "decisions": year.decisions,
                "slots": year.slots,
                "seconds": round(time.perf_counter() - started, 1),
            }
            print(json.dumps(report), flush=True)
        if not args.no_rebuild:
            report["rebuild"] = timed_command("statistics", "rebuild", url=url)
            print(json.dumps(report), flush=True)
            ids = asyncio.run(last_day_ids(url, end))
            report["day_entries"] = asyncio.run(change_a_day(url, ids))
            report["update"] = timed_command("statistics", "update", url=url)
            report["update_again"] = timed_command("statistics", "update", url=url)
            print(json.dumps(report), flush=True)
        psql = pg_tool("psql")
        report["sizes"] = sh(
            psql,
            url,
            "-Atc",
            "SELECT relname || ' ' || n_live_tup || ' '"
            " || pg_size_pretty(pg_total_relation_size(relid))"
            " FROM pg_stat_user_tables WHERE relname LIKE 'statistics%' OR relname IN"
            " ('bookings', 'slots', 'clearance_decisions') ORDER BY relname",
        ).splitlines()
        report["pgbench"] = pgbench(args.pgbench_seconds, pgbench_database)
        report["reads"] = asyncio.run(measure_reads(url, end, args.repeat, args.reads))
        print(table(report["reads"]), flush=True)
        report["http"] = measure_http(url, end, args.repeat)
        report["pgbench_after"] = pgbench(args.pgbench_seconds, pgbench_database)
    finally:
        for name in (pgbench_database, *(() if args.keep else (args.database,))):
            drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
            sh(pg_tool("psql"), PG_ADMIN, "-q", "-c", drop)
    print(json.dumps(report, indent=1))
    print(table(report["reads"]))
    print("| route (Hữu Nghị) | p50 / p95 ms | bytes |\n|---|---|---|")
    for row in report["http"]:
        print(f"| {row['route']} | {row['p50_ms']} / {row['p95_ms']} | {row['bytes']:,} |")


if __name__ == "__main__":
    main()

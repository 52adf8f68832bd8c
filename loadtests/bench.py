"""The benchmark: in one run, the platform's check-in throughput and latency, the booking rush
and the websocket fan-out, beside the machine's own ceilings (pgbench -N on the same
PostgreSQL, a plain JSON endpoint of the same server), written into docs/benchmarks.md.

    .venv/bin/python loadtests/bench.py            # needs PostgreSQL, Redis, pgbench and wrk
    .venv/bin/python loadtests/bench.py --quick --no-doc     # every part, briefly (a smoke run)
    .venv/bin/python loadtests/bench.py --rush-only          # pgbench, 10,000 attempts, ceiling
    .venv/bin/python loadtests/bench.py --servers --quick    # uvicorn beside granian, briefly

It starts its own platform (`gate serve --workers 2`, a process per core as deployed, on a
scratch PostgreSQL database and a Redis namespace of its own), sends traffic to 127.0.0.1
only, bounded in time, and stops everything it started. The parts: loadtests/machine.py (the
machine's ceilings), harness.py (the platform under test), workloads.py (what is offered to
it), openloop.py (the fixed-rate check-ins, open loop, timed from each one's due time),
bench_document.py (the generated section of the document), bench_servers.py (uvicorn beside
granian). Every check-in figure is also given as a ratio to pgbench -N and to the check-in
shaped ceiling (loadtests/ceiling_batch.py) of the same run, the rush as a ratio to its own
ceiling (one statement per attempt).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from loadtests.bench_document import write_document
from loadtests.bench_servers import compare_servers
from loadtests.harness import camera, open_gate, platform, walk_in_cameras
from loadtests.machine import (
    ROOT,
    SERVERS,
    ceiling,
    free_port,
    pgbench,
    rss_kib,
    scratch_database,
    wrk,
)
from loadtests.openloop import open_loop
from loadtests.workloads import booked_trucks, booking_rush, run_fanout, rush_ceiling


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rush", type=int, default=2000, help="booking attempts in the rush")
    parser.add_argument("--viewers", type=int, default=20000)
    parser.add_argument(
        "--workers", type=int, default=2, help="platform processes (default: one per core)"
    )
    parser.add_argument("--no-doc", action="store_true", help="print, do not write the document")
    parser.add_argument("--rate", type=int, default=1000, help="check-ins a second, open loop")
    parser.add_argument(
        "--quick", action="store_true", help="every part for 2 s, a small rush and fan-out"
    )
    parser.add_argument(
        "--rush-only",
        action="store_true",
        help="pgbench, the rush (10,000 unless --rush) and its ceiling",
    )
    parser.add_argument(
        "--server", choices=SERVERS, default="uvicorn", help="what serves the platform"
    )
    parser.add_argument(
        "--servers",
        action="store_true",
        help="uvicorn beside granian: plain JSON, walk-ins (32 connections), fan-out",
    )
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.rush, args.viewers, args.rate = 2, 200, 200, 200
    if args.rush_only:
        return rush_only(args.rush if "--rush" in sys.argv else 10_000, args.seconds, args.server)
    if args.servers:
        return compare_servers(args.seconds, args.viewers, args.workers, args.quick)
    server = args.server
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "loadtests/bench.py", *sys.argv[1:]]),
        "machine": f"{os.cpu_count()} cores",
        "workers": args.workers,
        "server": server,
    }
    print("pgbench -N …", flush=True)
    results["pgbench"] = pgbench(args.seconds)
    print(f"ceilings on the same stack (loadtests/ceilings.py, {server}) …", flush=True)
    results["ceilings"] = {
        f"{mode}_{connections}": ceiling(mode, args.seconds, connections, server=server)
        for mode, connections in (
            ("decode", 32),
            ("decode", 128),
            ("insert", 32),
            ("group", 32),
            ("group", 128),
            ("checkin", 32),
            ("checkin", 128),
        )
    }
    print(f"the rush's ceiling, {args.rush:,} attempts …", flush=True)
    results["ceilings"]["rush"] = rush_ceiling(args.rush, 100, server)
    database = scratch_database("gate_bench_platform")
    port = free_port()
    namespace = f"bench-{uuid.uuid4().hex[:6]}"
    with platform(database, port, namespace, workers=args.workers, server=server) as (base, pid):
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
            cameras = walk_in_cameras(base, gate, series)
            results[f"checkin_saturation{key}"] = wrk(
                f"{base}/api/v1/gates/{gate}/checkins", args.seconds, connections, script, cameras
            )
        print(f"check-ins at {args.rate:,}/s offered, open loop …", flush=True)
        tokens = {d: camera(base, "chi-ma", d) for d in ("export", "import")}
        results["checkin_fixed_rate"] = asyncio.run(
            open_loop(base, tokens, args.rate, args.seconds, gate="chi-ma")
        )
        # Booked trucks, the common case, on a gate of their own: booked through the API
        # first (a run reads each plate once), then read at saturation and at a fixed rate.
        booked_seconds = min(args.seconds, 5)
        per_s = (120, 220) if args.quick else (2400, 1100)  # trucks booked per second of run
        open_gate(base, gate="coc-nam")
        print("booking the trucks for the booked check-ins …", flush=True)
        (saturation_plates, rate_plates), took = asyncio.run(
            booked_trucks(base, "coc-nam", [n * booked_seconds for n in per_s])
        )
        results["booked_preparation_s"] = round(took, 1)
        booked_cameras = [camera(base, "coc-nam", d) for d in ("export", "import")]
        rate_trucks = [tuple(line.split()) for line in rate_plates.read_text().splitlines() if line]
        print("booked check-ins at saturation …", flush=True)
        booked = wrk(
            f"{base}/api/v1/gates/coc-nam/checkins",
            booked_seconds,
            128,
            script,
            {
                "TOKEN": booked_cameras[0],
                "TOKEN2": booked_cameras[1],
                "GATE": "coc-nam",
                "PLATES": str(saturation_plates),
            },
        )
        booked["admitted_per_s"] = round(booked.get("admitted", 0) / booked_seconds)
        results["checkin_booked_saturation"] = booked
        print(f"booked check-ins at {args.rate:,}/s offered, open loop …", flush=True)
        results["checkin_booked_fixed_rate"] = asyncio.run(
            open_loop(
                base,
                dict(zip(("export", "import"), booked_cameras, strict=True)),
                args.rate,
                booked_seconds,
                gate="coc-nam",
                booked=rate_trucks,  # type: ignore[arg-type]
            )
        )
        print("booking rush …", flush=True)
        results["booking_rush"] = asyncio.run(booking_rush(base, args.rush, 100))
        # Last, as its walk-ins take places in the other runs' hours: the same rate dealt over
        # Lạng Sơn's four gates. One pipeline per gate: the gates' leases spread over the
        # workers, and each worker decides its own gates' batches.
        print(f"check-ins at {args.rate:,}/s offered over four gates, open loop …", flush=True)
        four = ("tan-thanh", "huu-nghi", "chi-ma", "coc-nam")
        spread = {g: {d: camera(base, g, d) for d in ("export", "import")} for g in four}
        results["checkin_fixed_rate_gates"] = asyncio.run(
            open_loop(base, {}, args.rate, args.seconds, spread=spread, series="K")
        )
        results["rss_after_kib"] = rss_kib(pid)
    print("websocket fan-out …", flush=True)
    results["fanout"] = run_fanout(args.viewers, args.seconds, http_server=server)
    results["ratios"] = ratios(results)
    text = json.dumps(results, indent=2)
    print(text)
    out = ROOT / "loadtests" / "results"
    out.mkdir(exist_ok=True)
    # A quick run is a smoke test, not a result to keep beside the real runs' (git-ignored).
    name = f"{'quick' if args.quick else 'bench'}-{results['date'][:10]}.json"
    (out / name).write_text(text + "\n")
    if not args.no_doc:
        write_document(results)
    return 0


def ratios(r: dict[str, Any]) -> dict[str, float]:
    """Each check-in figure (per second) over pgbench -N's transactions per second and over
    the check-in-shaped ceiling of the same run: at 32 connections the 32 connections' one,
    every other figure (128 connections, booked trucks, the open loop) the 128's; the rush's
    attempts per second over pgbench's and over its ceiling's; and the targets' own ratios."""
    pg, cl = r["pgbench"]["tps"], r["ceilings"]
    figures = {
        "checkin_saturation": (r["checkin_saturation"]["rps"], "checkin_32"),
        "checkin_saturation_128": (r["checkin_saturation_128"]["rps"], "checkin_128"),
        "checkin_booked": (r["checkin_booked_saturation"]["admitted_per_s"], "checkin_128"),
        "checkin_fixed_rate": (r["checkin_fixed_rate"]["answered_per_s"], "checkin_128"),
        "checkin_fixed_rate_gates": (
            r["checkin_fixed_rate_gates"]["answered_per_s"],
            "checkin_128",
        ),
        "checkin_booked_fixed_rate": (
            r["checkin_booked_fixed_rate"]["answered_per_s"],
            "checkin_128",
        ),
    }
    out: dict[str, float] = {}
    for name, (per_s, ceiling_key) in figures.items():
        out[f"{name}_over_pgbench"] = round(per_s / pg, 3)
        out[f"{name}_over_checkin_ceiling"] = round(per_s / cl[ceiling_key]["rps"], 3)
    out["checkin_saturation_over_plain_json"] = round(
        r["checkin_saturation"]["rps"] / r["plain_json"]["rps"], 3
    )
    # The target at 32 connections: at least the 2 ms group commit's ceiling.
    for key, connections in (("checkin_saturation", 32), ("checkin_saturation_128", 128)):
        out[f"{key}_over_group_commit"] = round(
            r[key]["rps"] / cl[f"group_{connections}"]["rps"], 3
        )
    out["checkin_ceiling_128_over_pgbench"] = round(cl["checkin_128"]["rps"] / pg, 3)
    out["rush_attempts_per_s_over_pgbench"] = round(_attempts_per_s(r["booking_rush"]) / pg, 3)
    out["rush_over_its_ceiling"] = _rush_over_ceiling(r["booking_rush"], cl["rush"])
    return out


def _attempts_per_s(rush: dict[str, Any]) -> float:
    """A rush's attempts answered per second."""
    return float(rush["attempts"]) / max(rush["seconds_to_answer_all"], 1e-9)


def _rush_over_ceiling(rush: dict[str, Any], ceiling_rush: dict[str, Any]) -> float:
    """The platform's rush in attempts per second over its ceiling's (1: as fast)."""
    return round(_attempts_per_s(rush) / max(_attempts_per_s(ceiling_rush), 1e-9), 3)


def rush_only(attempts: int, seconds: int, server: str = "uvicorn") -> int:
    """pgbench -N, then ``attempts`` bookings on one slot of 100 places (the rush alone, as
    issue 20 measures it: 10,000 within 5 s is the target) beside its ceiling (one statement
    per attempt, the same client), both served by ``server``; printed and kept as JSON."""
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "loadtests/bench.py", *sys.argv[1:]]),
        "server": server,
    }
    print("pgbench -N …", flush=True)
    results["pgbench"] = pgbench(seconds)
    database = scratch_database("gate_bench_rush")
    namespace = f"rush-{uuid.uuid4().hex[:6]}"
    with platform(database, free_port(), namespace, workers=2, server=server) as (base, _):
        print(f"booking rush of {attempts:,} attempts …", flush=True)
        results["booking_rush"] = asyncio.run(booking_rush(base, attempts, 100))
    print(f"the rush's ceiling, {attempts:,} attempts …", flush=True)
    results["rush_ceiling"] = rush_ceiling(attempts, 100, server)
    rush, pg = results["booking_rush"], results["pgbench"]["tps"]
    results["rush_attempts_per_s_over_pgbench"] = round(_attempts_per_s(rush) / pg, 3)
    results["rush_over_its_ceiling"] = _rush_over_ceiling(rush, results["rush_ceiling"])
    text = json.dumps(results, indent=2)
    print(text)
    out = ROOT / "loadtests" / "results"
    out.mkdir(exist_ok=True)
    (out / f"rush-{results['date'][:10]}.json").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

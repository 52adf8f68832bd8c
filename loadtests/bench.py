"""The benchmark: in one run, the platform's check-in throughput and latency, the booking rush
and the websocket fan-out, beside the machine's own ceilings (pgbench -N on the same
PostgreSQL, a plain JSON endpoint of the same server), written into docs/benchmarks.md.

    .venv/bin/python loadtests/bench.py            # needs PostgreSQL, Redis, pgbench and wrk

It starts its own platform (`gate serve --workers 2`, a process per core as deployed, on a
scratch PostgreSQL database and a Redis namespace of its own), sends traffic to 127.0.0.1
only, bounded in time, and stops everything it started. The parts: loadtests/machine.py (the
machine's ceilings), harness.py (the platform under test), workloads.py (what is offered to
it), bench_document.py (the generated section of the document).
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
from loadtests.harness import camera, open_gate, platform
from loadtests.machine import ROOT, free_port, pgbench, rss_kib, scratch_database, wrk
from loadtests.workloads import booked_trucks, booking_rush, fixed_rate, run_fanout


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


if __name__ == "__main__":
    sys.exit(main())

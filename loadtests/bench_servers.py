"""uvicorn beside granian in one run (``loadtests/bench.py --servers``), as issue 20 asks
before keeping the faster: for each server, the framework's own ceiling (a POST that decodes
a check-in body and answers, loadtests/ceilings.py), the platform's plain JSON endpoint,
walk-in check-ins at 32 connections, the boards' fan-out (the boards' broadcast server runs
inside the platform's processes, on the server's event loop) and the API's own websocket
board endpoint (served by the server itself). Printed and kept as JSON in loadtests/results;
not written into the document.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from loadtests.harness import open_gate, platform, walk_in_cameras
from loadtests.machine import ROOT, SERVERS, ceiling, free_port, scratch_database, wrk
from loadtests.workloads import run_fanout


def measure_server(server: str, seconds: int, viewers: int, workers: int) -> dict[str, Any]:
    """One server's figures (wrk's, and loadtests/fanout.py's for the two fan-outs)."""
    figures: dict[str, Any] = {"decode_ceiling_32": ceiling("decode", seconds, 32, server=server)}
    database = scratch_database("gate_bench_servers")
    namespace = f"servers-{uuid.uuid4().hex[:6]}"
    with platform(database, free_port(), namespace, workers=workers, server=server) as (base, _):
        figures["plain_json"] = wrk(f"{base}/health/live", seconds, 64)
        open_gate(base, gate="tan-thanh")
        cameras = walk_in_cameras(base, "tan-thanh", "S")
        script = str(ROOT / "loadtests" / "wrk" / "checkin.lua")
        url = f"{base}/api/v1/gates/tan-thanh/checkins"
        figures["checkin_saturation"] = wrk(url, seconds, 32, script, cameras)
    figures["fanout_boards"] = run_fanout(viewers, seconds, http_server=server)
    # The API's endpoint holds a task and a queue per viewer: a tenth of the boards' crowd.
    figures["fanout_api"] = run_fanout(
        max(viewers // 10, 20), seconds, http_server=server, watch="api"
    )
    return figures


def compare_servers(seconds: int, viewers: int, workers: int, quick: bool) -> int:
    """Every server of machine.SERVERS measured in turn; 0 when all ran."""
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "workers": workers,
        "servers": {},
    }
    for server in SERVERS:
        print(f"{server} …", flush=True)
        results["servers"][server] = measure_server(server, seconds, viewers, workers)
    uvicorn, granian = (results["servers"][name] for name in SERVERS)
    results["granian_over_uvicorn"] = {
        key: round(granian[key]["rps"] / max(uvicorn[key]["rps"], 1), 3)
        for key in ("decode_ceiling_32", "plain_json", "checkin_saturation")
    }
    text = json.dumps(results, indent=2)
    print(text)
    out = ROOT / "loadtests" / "results"
    out.mkdir(exist_ok=True)
    (out / f"{'quick-' if quick else ''}servers-{results['date'][:10]}.json").write_text(
        text + "\n"
    )
    return 0

"""The proxy's micro-cache under a crowd of pollers (issue 13): wrk against the public board
through nginx, with compose.yaml's services run as local processes (tests/deploy/compose.py:
the migration, the API, one checkin and one realtime replica, on a PostgreSQL and a Redis of
its own), against how many of those requests reached the platform (its access log).

    .venv/bin/python -m loadtests.proxy_cache --seconds 10 --connections 64

Prints one JSON line: wrk's requests/s through the proxy, the requests the realtime replica
answered meanwhile, and both per second. The issue's target: at least 50,000 requests a second
through the proxy while the platform sees about one request a second per gate (the board's
Cache-Control is 2 s: one refresh every 2 s per gate). Needs nginx and wrk (Debian's packages).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from loadtests import machine
from tests.deploy.compose import LocalCompose, as_the_image_does, load, own_endpoints
from tests.deploy.proxy import nginx_binary, start_proxy
from tests.own_services import OwnPostgres, OwnRedis

BOARD = "/api/v1/gates/tan-thanh/board"
ADMIN_TOKEN = "bench-admin-token"


def _seen(log: Path) -> int:
    """How many GETs of the board the platform's access log holds."""
    # uvicorn's access line, inside the JSON log line: its quotes escaped.
    pattern = re.compile(r'\\?"GET /api/v1/gates/tan-thanh/board HTTP/1\.[01]\\?" 200')
    return len(pattern.findall(log.read_text(errors="replace")))


def run(seconds: int, connections: int) -> dict[str, float]:
    nginx = nginx_binary()
    if nginx is None or shutil.which("wrk") is None:
        sys.exit("needs nginx and wrk: apt-get install nginx-light wrk")
    folder = Path(tempfile.mkdtemp(prefix="gate-bench-proxy-"))
    postgres, redis = OwnPostgres(), OwnRedis()
    local = None
    try:
        postgres.start()
        compose = load({"GATE_ADMIN_TOKEN": ADMIN_TOKEN, "GATE_API_WORKERS": "1"})
        as_the_image_does(postgres, compose["services"]["postgres"]["environment"])
        local = LocalCompose(compose, folder, own_endpoints(postgres, redis))
        local.run_once("migrate")
        local.start("api")
        local.start("checkin")
        realtime = local.start("realtime")
        _, port = start_proxy(local, nginx)
        url = f"http://127.0.0.1:{port}{BOARD}"
        machine.wrk(url, 2, 8)  # warm: the first MISS, the connections
        before, started = _seen(realtime.output), time.monotonic()
        result = machine.wrk(url, seconds, connections)
        elapsed = time.monotonic() - started
        seen = _seen(realtime.output) - before
        return {
            "proxy_rps": result["rps"],
            "p50_ms": result["p50"] or 0.0,
            "p99_ms": result["p99"] or 0.0,
            "non_2xx": result["non_2xx"],
            "platform_requests": seen,
            "platform_rps": round(seen / elapsed, 2),
            "seconds": seconds,
            "connections": connections,
        }
    finally:
        if local is not None:
            local.stop_all()
        redis.remove()
        postgres.remove()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    print(json.dumps(run(args.seconds, args.connections)))


if __name__ == "__main__":
    main()

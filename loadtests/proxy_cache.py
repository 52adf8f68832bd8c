"""The proxy's micro-cache under a crowd of pollers (issue 13): wrk against the public board
through nginx, with compose.yaml's services run as local processes (tests/deploy/compose.py:
the migration, the API, one checkin and one realtime replica, on a PostgreSQL and a Redis of
its own), against how many of those requests reached the platform (its access log).

    .venv/bin/python -m loadtests.proxy_cache --seconds 10 --connections 64 [--wrk-threads 1]

Prints one JSON line: wrk's requests/s through the proxy, the requests the realtime replica
answered meanwhile, and both per second; and, in the same run, the ceiling: the same nginx
binary serving the board's bytes from a file (no cache, no upstream, no log), wrk alike, and
the proxy's figure as a ratio to it. The issue's target: at least 50,000 requests a second
through the proxy while the platform sees about one request a second per gate (the board's
Cache-Control: one refresh a second or two per gate). Needs nginx and wrk (Debian's packages).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from loadtests import machine
from tests.deploy.compose import LocalCompose, as_the_image_does, listening, load, own_endpoints
from tests.deploy.proxy import nginx_binary, start_proxy
from tests.own_services import OwnPostgres, OwnRedis

BOARD = "/api/v1/gates/tan-thanh/board"
ADMIN_TOKEN = "bench-admin-token"


def _seen(log: Path) -> int:
    """How many GETs of the board the platform's access log holds."""
    # uvicorn's access line, inside the JSON log line: its quotes escaped.
    pattern = re.compile(r'\\?"GET /api/v1/gates/tan-thanh/board HTTP/1\.[01]\\?" 200')
    return len(pattern.findall(log.read_text(errors="replace")))


def run(seconds: int, connections: int, threads: int = 1) -> dict[str, float]:
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
        result = machine.wrk(url, seconds, connections, threads=threads)
        elapsed = time.monotonic() - started
        seen = _seen(realtime.output) - before
        with urllib.request.urlopen(url, timeout=5) as answer:
            body = answer.read()
        ceiling = _static_ceiling(nginx, body, folder, seconds, connections, threads)
        return {
            "proxy_rps": result["rps"],
            "p50_ms": result["p50"] or 0.0,
            "p99_ms": result["p99"] or 0.0,
            "non_2xx": result["non_2xx"],
            "platform_requests": seen,
            "platform_rps": round(seen / elapsed, 2),
            "seconds": seconds,
            "connections": connections,
            "wrk_threads": threads,
            "ceiling_rps": ceiling["rps"],
            "ceiling_p99_ms": ceiling["p99"] or 0.0,
            "proxy_over_ceiling": round(result["rps"] / ceiling["rps"], 3),
        }
    finally:
        if local is not None:
            local.stop_all()
        redis.remove()
        postgres.remove()
        shutil.rmtree(folder, ignore_errors=True)


def _static_ceiling(
    nginx: str, body: bytes, folder: Path, seconds: int, connections: int, threads: int
) -> dict[str, float]:
    """What this nginx serves on this machine at best: the board's ``body`` as a static file
    (as many workers as the proxy, keep-alive, no log), under wrk alike; the platform's
    processes stay up beside it as they were beside the proxy."""
    # Not in ``folder`` (0700): nginx's workers, as nobody under root, must read the file.
    root = Path(tempfile.mkdtemp(prefix="gate-bench-ceiling-", dir=folder.parent))
    root.chmod(0o755)
    (root / "board.json").write_bytes(body)
    (root / "board.json").chmod(0o644)
    listener = listening()
    listener.set_inheritable(True)
    port = listener.getsockname()[1]
    conf = root / "nginx.conf"
    conf.write_text(
        f"worker_processes auto; pid {root}/nginx.pid; error_log stderr warn;\n"
        "events { worker_connections 16384; }\n"
        f"http {{ access_log off; sendfile on; tcp_nodelay on; server_tokens off;\n"
        f"  client_body_temp_path {root}; proxy_temp_path {root}; fastcgi_temp_path {root};\n"
        f"  uwsgi_temp_path {root}; scgi_temp_path {root};\n"
        f"  server {{ listen 127.0.0.1:{port}; root {root};\n"
        "    location / { default_type application/json; } } }\n"
    )
    env = {**os.environ, "NGINX": f"{listener.fileno()};"}
    process = subprocess.Popen(
        [nginx, "-p", str(root), "-c", str(conf), "-e", "stderr", "-g", "daemon off;"],
        env=env,
        pass_fds=[listener.fileno()],
        start_new_session=True,
    )
    listener.close()
    try:
        url = f"http://127.0.0.1:{port}/board.json"
        machine.wrk(url, 2, 8)  # warm: the workers, the connections
        return machine.wrk(url, seconds, connections, threads=threads)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    # wrk shares the two cores with nginx: one thread leaves nginx more of them.
    parser.add_argument("--wrk-threads", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(run(args.seconds, args.connections, args.wrk_threads)))


if __name__ == "__main__":
    main()

"""CPU per request of the app's request path (Litestar's entry, the edge, routing, hooks,
handler, answer) for two working trees side by side, in process: no server, no socket, no
database, so the figure is the request path's alone, which a whole check-in's CPU (4 ms,
compare_checkins.py) hides on a shared machine.

    git worktree add --detach /tmp/before main
    .venv/bin/python loadtests/request_path.py --tree /tmp/before --tree . --rounds 12

Each tree runs in a process of its own (its folder first on PYTHONPATH, this tree's virtual
environment), its app assembled with the check-in part on a scratch SQLite file that is never
opened. The two take turns, one round each (``--requests`` of every case), the first of a
turn alternating. Cases: ``GET /health/live``; ``GET /nothing`` (404); a check-in refused by
its body's types (422); a check-in of a remembered device key at a known gate that reaches
the batcher, which is not running, so it is answered 503 (``PipelineStopped``): the handler's
whole path but the batch; uvicorn's access line of one request, through the platform's
logging (written to /dev/null). Prints the minimum and median of the rounds in CPU
microseconds per request: on a busy machine the minimum is the steadier.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

# The worker: run in each tree's process, one round per line read (the request count).
WORKER = r"""
import asyncio, json, logging, sys, tempfile, time
from datetime import UTC, datetime

async def main():
    from gate.config import Settings
    from gate.devices.keys import KnownDevice
    from gate.logs import configure_logging
    from gate.request_ids import bound
    from services.app import assemble_app, build_platform

    folder = tempfile.mkdtemp(prefix="request-path-")
    settings = Settings.from_env({"GATE_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/g.db"})
    platform = build_platform(settings)
    app = assemble_app(platform, ["checkin"])
    configure_logging("INFO")
    token = "gd_0123abcd_request-path-secret"
    platform.device_keys.memory.ttl = 1e9
    platform.device_keys.memory.remember(token, "d1", KnownDevice("d1", "g1", "tan-thanh"))
    platform.gate_ids["tan-thanh"] = "g1"
    now = datetime.now(UTC).isoformat()
    good = ('{"event_id":"e-1","observed_at":"%s","plate":"51C12345"}' % now).encode()
    typed = b'{"event_id":"e-1","observed_at":"%s","plate":5}' % now.encode()

    def post(body):
        return ("POST", "/api/v1/gates/tan-thanh/checkins", body, [
            (b"host", b"gate.test"), (b"content-type", b"application/json"),
            (b"authorization", b"Bearer " + token.encode()),
            (b"content-length", str(len(body)).encode())])

    cases = {
        "GET /health/live": ("GET", "/health/live", b"", [(b"host", b"gate.test")]),
        "GET /nothing (404)": ("GET", "/nothing", b"", [(b"host", b"gate.test")]),
        "check-in, body refused (422)": post(typed),
        "check-in to the batcher (503)": post(good),
    }

    async def one(method, path, body, headers):
        given = False

        async def receive():
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)

        async def send(message):
            pass

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
                 "query_string": b"", "root_path": "", "headers": list(headers),
                 "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000), "state": {}}
        await app(scope, receive, send)

    access = logging.getLogger("uvicorn.access")

    async def access_line():
        with bound("0123456789abcdef0123456789abcdef"):
            access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "POST",
                        "/api/v1/gates/tan-thanh/checkins", "1.1", 200)

    for case in cases.values():
        for _ in range(300):
            await one(*case)
    for line in sys.stdin:
        count = int(line)
        figures = {}
        for name, case in cases.items():
            start = time.process_time()
            for _ in range(count):
                await one(*case)
            figures[name] = (time.process_time() - start) / count * 1e6
        start = time.process_time()
        for _ in range(count):
            await access_line()
        figures["access line"] = (time.process_time() - start) / count * 1e6
        print(json.dumps(figures), flush=True)

asyncio.run(main())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", action="append", required=True, help="a working tree (twice)")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    trees = [str(Path(tree).resolve()) for tree in args.tree]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER],
            cwd=tree,
            env={**os.environ, "PYTHONPATH": tree},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # the log lines
            text=True,
        )
        for tree in trees
    ]
    figures: list[dict[str, list[float]]] = [{} for _ in trees]
    for turn in range(args.rounds):
        order = list(range(len(trees)))[:: 1 - 2 * (turn % 2)]
        for index in order:
            worker = workers[index]
            assert worker.stdin is not None and worker.stdout is not None
            worker.stdin.write(f"{args.requests}\n")
            worker.stdin.flush()
            for name, value in json.loads(worker.stdout.readline()).items():
                figures[index].setdefault(name, []).append(value)
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.close()
        worker.wait()
    for name in figures[0]:
        print(name)
        for tree, found in zip(trees, figures, strict=True):
            values = found[name]
            print(
                f"    {tree}: min {min(values):.1f}, median {statistics.median(values):.1f}"
                " µs CPU per request"
            )


if __name__ == "__main__":
    main()

"""What counting a request for ``/metrics`` costs (services/common/observed.py): the app's ASGI
handler called in a loop, in this process, with and without the count, alternately in
rounds, on a route that does no I/O (``GET /health/live``) so that the count's share is as
large as it can be. No server, no socket: the figure is the middleware's alone.

    .venv/bin/python loadtests/bench_metrics.py                 # one process's registry
    .venv/bin/python loadtests/bench_metrics.py --multiprocess  # files, as --workers N

``--multiprocess`` sets ``PROMETHEUS_MULTIPROC_DIR`` to a temporary folder before
prometheus-client is imported, as ``gate serve --workers N`` does for its workers: every
increment then writes to a memory-mapped file. Prints microseconds per request with and
without, and their ratio (the medians of the rounds); docs/benchmarks.md, "Metrics per
request", keeps them."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from typing import Any


async def _requests(handler: Any, app: Any, count: int) -> float:
    """Seconds for ``count`` calls of ``handler`` (an ASGI app) with GET /health/live."""
    body = {"type": "http.request", "body": b"", "more_body": False}

    async def receive() -> dict[str, Any]:
        return body

    async def send(_message: Any) -> None:
        return None

    start = time.perf_counter()
    for _ in range(count):
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/health/live",
            "raw_path": b"/health/live",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"gate")],
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
            "app": app,
            "litestar_app": app,
            "state": {},
        }
        await handler(scope, receive, send)
    return time.perf_counter() - start


async def _run(rounds: int, count: int) -> tuple[list[float], list[float]]:
    from gate.config import Settings
    from services.app import assemble_app, build_platform

    folder = tempfile.mkdtemp(prefix="bench-metrics-db-")
    settings = Settings.from_env({"GATE_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/gate.db"})
    platform = build_platform(settings)
    app = assemble_app(platform, ["checkin"])
    counted = app.asgi_handler
    bare = counted.__wrapped__  # type: ignore[attr-defined]
    with_count: list[float] = []
    without: list[float] = []
    await _requests(counted, app, count // 10)  # warm both paths up
    await _requests(bare, app, count // 10)
    for _ in range(rounds):
        with_count.append(await _requests(counted, app, count) / count * 1e6)
        without.append(await _requests(bare, app, count) / count * 1e6)
    await platform.engine.dispose()
    return with_count, without


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--multiprocess", action="store_true")
    args = parser.parse_args()
    if args.multiprocess:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bench-metrics-")
    with_count, without = asyncio.run(_run(args.rounds, args.requests))
    counted, bare = statistics.median(with_count), statistics.median(without)
    mode = "multiprocess (files)" if args.multiprocess else "one process (memory)"
    print(f"{mode}: {args.rounds} rounds of {args.requests} GET /health/live")
    print(f"  with the count:    {counted:7.2f} µs per request (median)")
    print(f"  without:           {bare:7.2f} µs per request (median)")
    print(f"  ratio:             {counted / bare:7.3f} ({counted - bare:+.2f} µs)")


if __name__ == "__main__":
    main()

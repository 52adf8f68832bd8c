"""What counting a request for ``/metrics`` costs (services/common/observed.py): the app's ASGI
handler called in a loop, in this process, with and without the count, alternately in
rounds, on a route that does no I/O (``GET /health/live``) so that the count's share is as
large as it can be. No server, no socket: the figure is the middleware's alone.

    .venv/bin/python loadtests/bench_metrics.py                 # one process's registry
    .venv/bin/python loadtests/bench_metrics.py --multiprocess  # files, as --workers N

``--multiprocess`` sets ``PROMETHEUS_MULTIPROC_DIR`` to a temporary folder before
prometheus-client is imported, as ``gate serve --workers N`` does for its workers: every
increment then writes to a memory-mapped file. Prints CPU microseconds per request with and
without, and their ratio (the medians of the rounds), on the app and around an ASGI app that
does nothing (the count's own cost); docs/benchmarks.md, "Metrics per request", keeps them."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from typing import Any


async def _requests(handler: Any, app: Any, count: int) -> float:
    """CPU seconds of this process for ``count`` calls of ``handler`` (an ASGI app) with GET
    /health/live: CPU time, not wall time, as the shared machine's other work then costs the
    figure less (docs/benchmarks.md says so of the check-ins' CPU per request too)."""
    body = {"type": "http.request", "body": b"", "more_body": False}

    async def receive() -> dict[str, Any]:
        return body

    async def send(_message: Any) -> None:
        return None

    start = time.process_time()
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
    return time.process_time() - start


async def _run(rounds: int, count: int) -> tuple[list[float], list[float]]:
    from gate.config import Settings
    from services.app import assemble_app, build_platform

    folder = tempfile.mkdtemp(prefix="bench-metrics-db-")
    settings = Settings.from_env({"GATE_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/gate.db"})
    platform = build_platform(settings)
    app = assemble_app(platform, ["checkin"])
    from services.common.observed import observed

    # The app's handler inside its edge (services/edge.py: id, count, retry, headers), with
    # the count alone around it and without.
    bare = app.asgi_handler.__wrapped__  # type: ignore[attr-defined]
    counted = observed(bare)
    with_count: list[float] = []
    without: list[float] = []
    await _requests(counted, app, count // 10)  # warm both paths up
    await _requests(bare, app, count // 10)
    for turn in range(rounds):
        # Each first every other round: what a round's start pays (a collection of the
        # garbage the other left) falls on both alike.
        for handler, figures in ((counted, with_count), (bare, without))[:: 1 - 2 * (turn % 2)]:
            figures.append(await _requests(handler, app, count) / count * 1e6)
    await platform.engine.dispose()
    return with_count, without


async def _count_alone(rounds: int, count: int) -> tuple[list[float], list[float]]:
    """The count around an ASGI app that answers at once (no framework): the count's own
    cost, which the ratio on the real app hides in the app's."""
    from services.common.observed import observed

    async def answer(scope: Any, receive: Any, send: Any) -> None:
        scope["path_template"] = "/health/live"  # as Litestar's router sets it
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    counted = observed(answer)
    with_count: list[float] = []
    without: list[float] = []
    for turn in range(rounds):
        for handler, figures in ((counted, with_count), (answer, without))[:: 1 - 2 * (turn % 2)]:
            figures.append(await _requests(handler, None, count) / count * 1e6)
    return with_count, without


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--multiprocess", action="store_true")
    args = parser.parse_args()
    if args.multiprocess:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bench-metrics-")
    mode = "multiprocess (files)" if args.multiprocess else "one process (memory)"
    print(f"{mode}: {args.rounds} rounds of {args.requests} GET /health/live, CPU µs per request")
    for name, run in (("the app", _run), ("an empty ASGI app", _count_alone)):
        with_count, without = asyncio.run(run(args.rounds, args.requests))
        counted, bare = statistics.median(with_count), statistics.median(without)
        print(
            f"  {name:<18} with the count {counted:7.2f}, without {bare:7.2f}: "
            f"ratio {counted / bare:.3f} ({counted - bare:+.2f} µs, medians)"
        )


if __name__ == "__main__":
    main()

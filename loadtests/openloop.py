"""Check-ins offered open loop at a fixed rate, each timed from when it was scheduled to be
sent, not from when it was sent (issue 20).

A closed-loop generator (Locust's users, wrk) sends the next request when an answer came
back, so a slow server is offered less and its queueing is never measured ("coordinated
omission"); Locust's fixed rate also had a p99 floor of 95-150 ms against a 1 ms endpoint on
this machine. Here the n-th check-in is due at ``start + n / rate`` whatever happened before,
sent on any idle keep-alive connection (a new one, up to ``connections``, when none is
idle), and its latency runs from its due time to its answer: time spent waiting for the
generator or a connection counts against the platform, as a camera's would. The generator's
own lateness (due to sent) is reported beside, so a figure the generator could not keep up
with shows as such.

    .venv/bin/python loadtests/openloop.py --rate 200 --seconds 5    # a platform of its own

Traffic to 127.0.0.1 only, bounded in time. Uses loadtests/rawhttp.py's bare client.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from loadtests.harness import camera, open_gate, platform
from loadtests.machine import free_port, scratch_database
from loadtests.rawhttp import RawConnection

ADMITTED = (
    b'"outcome":"walk_in"',
    b'"outcome":"on_time"',
    b'"outcome":"early"',
    b'"outcome":"late"',
)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def open_loop(
    base: str,
    tokens: dict[str, str],
    rate: float,
    seconds: float,
    gate: str = "tan-thanh",
    booked: list[tuple[str, str]] | None = None,
    connections: int = 512,
    spread: dict[str, dict[str, str]] | None = None,
    series: str = "Q",
) -> dict[str, Any]:
    """Offer ``rate`` check-ins a second for ``seconds`` to ``gate`` (walk-ins with new
    plates, or the ``booked`` (direction, plate) trucks in turn), cameras ``tokens`` by
    direction; or, with ``spread`` (gate code -> its cameras' tokens by direction), walk-ins
    dealt in turn to each of those gates, as a province's gates share the check-ins of a day;
    ``series``, the letter of the walk-ins' plates (a run of its own: plates already waiting
    in a yard would be refused; never R, the trailers' series, refused as trailer_without_truck).
    The latencies from each due time (ms: p50, p90, p99, max), the generator's own lateness
    (p99), the rate answered, and the answers by kind ("admitted", an outcome and its reason
    such as "refused:no_room_for_walk_in", or "http-<status>")."""
    run = uuid.uuid4().hex[:6]
    idle: asyncio.Queue[RawConnection] = asyncio.Queue()
    opened = 0
    latencies: list[float] = []
    late: list[float] = []
    answers: Counter[str] = Counter()
    gates = list(spread.items()) if spread else [(gate, tokens)]
    loop = asyncio.get_running_loop()

    async def one(n: int, due: float) -> None:
        nonlocal opened
        code, cameras = gates[n % len(gates)]
        direction = ("export", "import")[n // len(gates) % 2]
        plate = f"{10 + n // 100000 % 89:02d}{series}{n % 100000:05d}"
        if booked:
            direction, plate = booked[n % len(booked)]
        body = {
            "event_id": f"open-{run}-{n}",
            "observed_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            "plate": plate,
        }
        if not idle.empty():
            connection = idle.get_nowait()
        elif opened < connections:
            opened += 1
            connection = RawConnection(base)
        else:  # every connection busy: wait for one, the wait counted in the latency
            connection = await idle.get()
        late.append(loop.time() - due)
        headers = {"Authorization": f"Bearer {cameras[direction]}"}
        path = f"/api/v1/gates/{code}/checkins"
        try:
            status, content = await connection.post(path, json.dumps(body).encode(), headers)
        except (ConnectionError, asyncio.IncompleteReadError):
            answers["connection-error"] += 1
            await connection.close()
            idle.put_nowait(connection)
            return
        latencies.append(loop.time() - due)
        idle.put_nowait(connection)
        if status != 200:
            answers[f"http-{status}"] += 1
        elif any(a in content for a in ADMITTED):
            answers["admitted"] += 1
        else:  # counted by outcome and reason, so a run that measured refusals says so
            said = json.loads(content)
            answers[":".join(filter(None, (said.get("outcome"), said.get("refusal"))))] += 1

    start = loop.time() + 0.05
    total = int(rate * seconds)
    tasks = []
    for n in range(total):
        due = start + n / rate
        wait = due - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    took = loop.time() - start
    while not idle.empty():
        await idle.get_nowait().close()
    ms = [1000 * value for value in latencies]
    return {
        "offered_per_s": rate,
        "answered_per_s": round(len(latencies) / took, 1),
        "p50_ms": round(_percentile(ms, 0.50), 1),
        "p90_ms": round(_percentile(ms, 0.90), 1),
        "p99_ms": round(_percentile(ms, 0.99), 1),
        "max_ms": round(max(ms, default=0.0), 1),
        "mean_ms": round(statistics.fmean(ms), 1) if ms else 0.0,
        "generator_late_p99_ms": round(1000 * _percentile(late, 0.99), 1),
        "connections": opened,
        "answers": dict(answers),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    database = scratch_database("gate_open_loop")
    with platform(database, free_port(), f"open-{uuid.uuid4().hex[:6]}", args.workers) as (
        base,
        _pid,
    ):
        open_gate(base, gate="tan-thanh")
        tokens = {d: camera(base, "tan-thanh", d) for d in ("export", "import")}
        result = asyncio.run(open_loop(base, tokens, args.rate, args.seconds))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Function calls per walk-in check-in, for one working tree or two side by side: a measure
that does not move with what else the machine runs (wall-clock throughput on shared cores
does), to find which change added work to the check-in path.

    .venv/bin/python loadtests/count_calls.py                          # this tree
    .venv/bin/python loadtests/count_calls.py --tree /work/wt-before12 --tree .
    .venv/bin/python loadtests/count_calls.py --tree results/calls-c3d12d2.prof --tree .
    .venv/bin/python loadtests/count_calls.py --tree . --tree .:GATE_OUTBOX=off
    .venv/bin/python loadtests/count_calls.py --rush 3000 --tree /work/main --tree .

Each tree is served as the benchmark serves it (``gate serve --workers 1`` on a scratch
PostgreSQL database and Redis, its folder first on PYTHONPATH, this tree's virtual
environment) through loadtests/profiled_serve.py. A gate is opened and two cameras made,
``--warmup`` check-ins are sent unprofiled (caches, compiled statements), then cProfile runs
while exactly ``--checkins`` walk-in check-ins (the body of loadtests/wrk/checkin.lua, each a
new plate; with ``--booked``, trucks booked into the current hour through the API first, as
loadtests/bench.py books them) are sent by ``--concurrency`` clients; the profile is
written, then the server is stopped as the benchmark stops it (SIGTERM). The live
projector's lease is held by this script unless ``--projector`` (see ``hold_projector``).
Prints total calls per check-in and, for two trees, the functions whose calls per check-in
differ most (first tree first). Profiles are kept in
loadtests/results/calls-<tree's commit>.prof (with a .json of the count beside it); a
--tree given as such a file is read instead of run. A tree may carry GATE_ settings
(``.:GATE_OUTBOX=off``), named in its profile's name.

With ``--rush N``, calls per booking attempt instead: an enterprise with N vehicles and a
slot of 100 places are made unprofiled (loadtests/workloads.py::prepare_rush), then cProfile
runs while the N attempts of the booking rush are sent and answered
(``workloads.rush_attempts``: 100 booked, the rest refused as full); no warm-up, so the
statements' first compilation is shared among the N attempts. Its profiles are named
calls-<commit>-rush.prof.

Calls by the group commit and the background tasks are shared among the check-ins of the run,
so totals move a little between runs of one tree (batch sizes follow timing); a cost added
per request shows as a whole number of calls per check-in on its functions.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import pstats
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from loadtests.harness import camera, open_gate, platform
from loadtests.machine import REDIS, ROOT, free_port, scratch_database
from loadtests.workloads import booked_trucks, prepare_rush, rush_attempts

RESULTS = ROOT / "loadtests" / "results"
ADMITTED = {"walk_in", "on_time", "early", "late"}

Counts = dict[str, int]

# Modules moved by issue 12 (git diff -M --name-status c3d12d2 HEAD): an older tree's
# functions are labelled by their new place, so that a move is not counted as a change.
MOVED = {
    "gate/audit/log.py": "gate/store/audit.py",
    "gate/fleet/transfers.py": "gate/transfers/service.py",
    "gate/queue/": "gate/yard/",
    "services/checkin/": "services/checkins/",
    "services/api/dependencies.py": "services/common/dependencies.py",
    "services/api/idempotency.py": "services/common/idempotency.py",
    "services/api/instants.py": "services/common/instants.py",
    "services/api/problems.py": "services/common/problems.py",
    "services/api/requests.py": "services/common/requests.py",
    "services/retries.py": "services/common/retries.py",
    "services/api/schemas.py": "services/common/schemas.py",
    "services/web/session.py": "services/common/session.py",
    "services/realtime/": "services/live/",
}


def _body(run: str, n: int, series: str = "H") -> dict[str, str]:
    """The wrk script's walk-in: a new plate of ``series`` per ``n``."""
    return {
        "event_id": f"calls-{run}-{n}",
        "observed_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "plate": f"{10 + (n // 100_000) % 89:02d}{series}{n % 100_000:05d}",
    }


async def send(
    base: str,
    tokens: dict[str, str],
    first: int,
    count: int,
    clients: int,
    booked: Sequence[tuple[str, str]] = (),
) -> Counts:
    """``count`` check-ins numbered from ``first`` by ``clients`` concurrent clients; how
    they were answered (``admitted``, the other outcomes, ``http-<status>``). Walk-ins, or
    with ``booked`` (direction, plate) the booked trucks from its ``first``-th on."""
    run = uuid.uuid4().hex[:6]
    answers: collections.Counter[str] = collections.Counter()
    numbers = iter(range(first, first + count))
    url = f"{base}/api/v1/gates/tan-thanh/checkins"

    async def client(http: httpx.AsyncClient) -> None:
        for n in numbers:
            body = _body(run, n)
            direction = "import" if n % 2 == 0 else "export"
            if booked:
                direction, body["plate"] = booked[n]
            answer = await http.post(
                url, json=body, headers={"Authorization": f"Bearer {tokens[direction]}"}
            )
            if answer.status_code != 200:
                answers[f"http-{answer.status_code}"] += 1
                continue
            outcome = answer.json().get("outcome")
            answers["admitted" if outcome in ADMITTED else str(outcome)] += 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=60) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return dict(answers)


def commit_of(tree: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def hold_projector(namespace: str) -> None:
    """Take the live projector's lease (gate/live/backends.py) for the run, so that the
    server's projector only asks for it each tick: its rebuilds come with time, not with
    check-ins (at most a few a second, each reading the whole yard, which grows through the
    run), so their calls per check-in would follow the run's speed."""
    import redis

    client = redis.Redis.from_url(REDIS)
    client.set(f"{namespace}:live:leader", "count_calls", px=3_600_000)
    client.close()


def profile_tree(
    tree: Path,
    checkins: int,
    warmup: int,
    clients: int,
    projector: bool = False,
    settings: dict[str, str] | None = None,
    booked: bool = False,
    rush: bool = False,
) -> Path:
    """Serve ``tree`` (with the GATE_ ``settings`` on top of the benchmark's), send the
    check-ins under the profiler (walk-ins, or ``booked`` trucks, booked through the API
    before the warm-up; or with ``rush``, ``checkins`` booking attempts of the rush, with no
    warm-up); the profile's file."""
    RESULTS.mkdir(exist_ok=True)
    name = commit_of(tree) + ("-projector" if projector else "") + ("-booked" if booked else "")
    name += "-rush" if rush else ""
    for key, value in sorted((settings or {}).items()):
        name += f"-{key.removeprefix('GATE_').lower()}-{value}"
    out = RESULTS / f"calls-{name}.prof"
    out.unlink(missing_ok=True)
    database = scratch_database("gate_count_calls")
    namespace = f"calls-{uuid.uuid4().hex[:6]}"
    if not projector:
        hold_projector(namespace)
    with platform(
        database, free_port(), namespace, checkout=tree, profile_to=out, settings=settings
    ) as (base, pid):
        if rush:
            answers, seconds = _profiled_rush(base, pid, checkins)
        else:
            answers, seconds = _profiled_checkins(base, pid, checkins, warmup, clients, booked)
        _await_profile(out, tree)
        stopping = time.monotonic()
    expected = "201" if rush else "admitted"
    return _written(tree, name, out, checkins, answers, seconds, stopping, expected)


def _profiled_checkins(
    base: str, pid: int, checkins: int, warmup: int, clients: int, booked: bool
) -> tuple[Counts, float]:
    """A gate opened and two cameras made, ``warmup`` check-ins sent unprofiled, then
    ``checkins`` under the profiler: how they were answered and how long they took (s)."""
    open_gate(base, gate="tan-thanh")
    tokens = {
        "export": camera(base, direction="export"),
        "import": camera(base, direction="import"),
    }
    trucks: list[tuple[str, str]] = []
    if booked:
        (plates,), _took = asyncio.run(booked_trucks(base, "tan-thanh", [warmup + checkins]))
        lines = plates.read_text().split()
        trucks = list(zip(lines[::2], lines[1::2], strict=True))
    asyncio.run(send(base, tokens, checkins if booked else 900_000, warmup, clients, trucks))
    os.kill(pid, signal.SIGUSR1)
    time.sleep(0.5)
    started = time.monotonic()
    answers = asyncio.run(send(base, tokens, 0, checkins, clients, trucks))
    seconds = time.monotonic() - started
    os.kill(pid, signal.SIGUSR2)
    return answers, seconds


def _profiled_rush(base: str, pid: int, attempts: int) -> tuple[Counts, float]:
    """The rush's vehicles and slot made unprofiled, then its ``attempts`` sent under the
    profiler: their statuses counted and how long they took (s)."""
    bodies, headers = asyncio.run(prepare_rush(base, attempts, 100))
    os.kill(pid, signal.SIGUSR1)
    time.sleep(0.5)
    seconds, statuses = asyncio.run(rush_attempts(base, bodies, headers))
    os.kill(pid, signal.SIGUSR2)
    return dict(collections.Counter(str(status) for status in statuses)), seconds


def _await_profile(out: Path, tree: Path) -> None:
    for _ in range(600):
        if out.exists():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{tree}: no profile written")


def _written(
    tree: Path,
    name: str,
    out: Path,
    count: int,
    answers: Counts,
    seconds: float,
    stopping: float,
    expected: str,
) -> Path:
    """The run's summary printed and its count written beside the profile ``out``."""
    print(
        f"{tree} ({name}): answers {answers}, {count / seconds:.0f}/s under the profiler, "
        f"stopped in {time.monotonic() - stopping:.1f} s",
        flush=True,
    )
    if expected == "admitted" and answers.get("admitted") != count:
        print(f"  warning: {count} sent, {answers.get('admitted', 0)} admitted", flush=True)
    if expected == "201" and answers.get("201") != 100:
        print(f"  warning: {answers.get('201', 0)} of {count} booked, not 100", flush=True)
    out.with_suffix(".json").write_text(json.dumps({"checkins": count, "answers": answers}))
    return out


def _label(path: str, name: str) -> str:
    """A function's name without line number or the tree's folder, so that one function has
    one label in both trees (site-packages and the standard library shortened)."""
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    elif "/lib/python3" in path:
        path = path.split("/lib/python3", 1)[1].split("/", 1)[-1]
    else:
        for part in ("/gate/", "/services/", "/loadtests/"):
            if part in path:
                path = part[1:] + path.split(part, 1)[1]
                break
        for old, new in MOVED.items():
            if path.startswith(old):
                path = new + path.removeprefix(old)
    # Built-ins are named with their address ("<built-in method __new__ of type object at
    # 0x7f...>"), which differs between processes.
    return re.sub(r" at 0x[0-9a-f]+", "", f"{path}:{name}")


def counts_of(profile: Path) -> tuple[Counts, int]:
    """Calls per function label in ``profile``, and the check-ins it served."""
    checkins = json.loads(profile.with_suffix(".json").read_text())["checkins"]
    calls: collections.Counter[str] = collections.Counter()
    stats = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]
    for (path, _line, name), (_primitive, total, *_rest) in stats.items():
        calls[_label(path, name)] += total
    return dict(calls), checkins


def tree_and_settings(text: str) -> tuple[Path, dict[str, str]]:
    """``TREE`` or ``TREE:GATE_X=v,GATE_Y=w``: a tree and the settings to serve it with."""
    path, _, rest = text.partition(":")
    settings = dict(pair.split("=", 1) for pair in rest.split(",") if pair)
    if any(not key.startswith("GATE_") for key in settings):
        raise argparse.ArgumentTypeError(f"settings are GATE_ variables: {text!r}")
    return Path(path), settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tree",
        type=tree_and_settings,
        action="append",
        help="a working tree or .prof; a tree may carry settings: .:GATE_OUTBOX=off",
    )
    parser.add_argument("--checkins", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--projector", action="store_true", help="let the server's live projector run"
    )
    parser.add_argument("--only", help="compare only functions whose label matches this regex")
    parser.add_argument(
        "--booked", action="store_true", help="booked trucks (booked first), not walk-ins"
    )
    parser.add_argument(
        "--rush", type=int, default=0, help="calls per attempt of a booking rush of this many"
    )
    args = parser.parse_args()
    unit = "attempt" if args.rush else "check-in"
    trees: list[tuple[Path, dict[str, str]]] = args.tree or [(ROOT, {})]
    if len(trees) > 2:
        parser.error("one tree, or two to compare")
    measured: list[tuple[str, Counts, int]] = []
    for tree, settings in trees:
        profile = (
            tree
            if tree.is_file()
            else profile_tree(
                tree.resolve(),
                args.rush or args.checkins,
                args.warmup,
                args.concurrency,
                args.projector,
                settings,
                args.booked,
                rush=bool(args.rush),
            )
        )
        calls, checkins = counts_of(profile)
        measured.append((profile.stem.removeprefix("calls-"), calls, checkins))
        print(
            f"{profile.stem}: {sum(calls.values()) / checkins:,.0f} calls per {unit} "
            f"({checkins} {unit}s)",
            flush=True,
        )
    if len(measured) == 1:
        name, calls, checkins = measured[0]
        print(f"\nmost called per {unit} ({name}):")
        for label, count in sorted(calls.items(), key=lambda kv: -kv[1])[: args.top]:
            print(f"  {count / checkins:10.2f}  {label}")
        return 0
    (a, calls_a, n_a), (b, calls_b, n_b) = measured
    diff = {
        label: (calls_a.get(label, 0) / n_a, calls_b.get(label, 0) / n_b)
        for label in calls_a.keys() | calls_b.keys()
    }
    total_a, total_b = sum(calls_a.values()) / n_a, sum(calls_b.values()) / n_b
    print(
        f"\ncalls per {unit}: {a} {total_a:,.1f}, {b} {total_b:,.1f} "
        f"({total_b - total_a:+,.1f}, {100 * (total_b - total_a) / total_a:+.1f}%)"
    )
    print(f"\nmost changed per {unit} ({a} -> {b}):")
    if args.only:
        diff = {label: pair for label, pair in diff.items() if re.search(args.only, label)}
    ranked = sorted(diff.items(), key=lambda kv: -abs(kv[1][1] - kv[1][0]))
    for label, (before, after) in ranked[: args.top]:
        print(f"  {before:9.2f} {after:9.2f} {after - before:+9.2f}  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

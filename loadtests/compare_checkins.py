"""Walk-in check-ins at saturation for two working trees of the project, side by side in one
run: an older commit (checked out with ``git worktree add --detach DIR COMMIT``) and this one,
alternately, each `gate serve --workers 2` on a fresh scratch database, wrk with 32
connections for 10 s.

    .venv/bin/python loadtests/compare_checkins.py --before /path/to/older/tree --rounds 3
    .venv/bin/python loadtests/compare_checkins.py --tree .:GATE_OUTBOX=off --tree . --seconds 5

``--tree`` (twice) compares any two trees, each with GATE_ settings of its own (as
count_calls.py takes them). ``--watch`` samples PostgreSQL's active sessions on the scratch
database every 10 ms during wrk and prints what they waited for (``Lock:transactionid``: a row
lock held by another transaction; ``CPU``: working, not waiting), as shares of the samples.

Prints, per run, requests per second and the CPU the server's processes spent per admitted
check-in (user + system, from /proc). On a shared machine the second moves far less with
what else runs than the first, so it is the figure to compare; the medians of both go into
docs/benchmarks.md. Traffic to 127.0.0.1 only, bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import threading
import uuid
from collections import Counter
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from loadtests.count_calls import tree_and_settings
from loadtests.harness import open_gate, platform, walk_in_cameras
from loadtests.machine import ROOT, free_port, scratch_database, wrk

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def tree_cpu_s(root: int) -> float:
    """CPU seconds (user + system) spent so far by process ``root`` and its descendants."""
    parents: dict[int, int] = {}
    spent: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked
        parents[int(entry)] = int(fields[1])
        spent[int(entry)] = (int(fields[11]) + int(fields[12])) / TICKS_PER_S
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += spent.get(pid, 0.0)
        todo += [child for child, parent in parents.items() if parent == pid]
    return total


WAITS = (
    "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity "
    "WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()"
)


class WaitSampler:
    """PostgreSQL's active sessions on one database, sampled every 10 ms in a thread of its
    own until stopped: how many samples found a session waiting for what."""

    def __init__(self, database_url: str) -> None:
        self._url, self._name = database_url, database_url.rsplit("/", 1)[1]
        self.seen: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._sample()))

    async def _sample(self) -> None:
        connection = await asyncpg.connect(self._url)
        try:
            while not self._stop.is_set():
                for (event,) in await connection.fetch(WAITS, self._name):
                    self.seen[event] += 1
                await asyncio.sleep(0.01)
        finally:
            await connection.close()

    def __enter__(self) -> WaitSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def shares(self) -> str:
        total = sum(self.seen.values()) or 1
        common = self.seen.most_common(6)
        return ", ".join(f"{event} {100 * n / total:.0f} %" for event, n in common)


def one_run(
    checkout: Path, settings: dict[str, str] | None = None, seconds: int = 10, watch: bool = False
) -> tuple[int, float]:
    """Requests per second and CPU milliseconds per admitted check-in, for ``checkout``
    served with the GATE_ ``settings``, wrk for ``seconds``; ``watch``: print what the
    database's active sessions waited for meanwhile (``WaitSampler``)."""
    database = scratch_database("gate_compare_checkins")
    namespace = f"compare-{uuid.uuid4().hex[:6]}"
    served = platform(
        database, free_port(), namespace, workers=2, checkout=checkout, settings=settings
    )
    with served as (base, pid):
        open_gate(base, gate="tan-thanh")
        cameras = walk_in_cameras(base, "tan-thanh", "H")
        script = str(ROOT / "loadtests" / "wrk" / "checkin.lua")
        start = tree_cpu_s(pid)
        waits = WaitSampler(database) if watch else None
        with waits or contextlib.nullcontext():
            result = wrk(f"{base}/api/v1/gates/tan-thanh/checkins", seconds, 32, script, cameras)
        spent = tree_cpu_s(pid) - start
        if waits is not None:
            samples = sum(waits.seen.values())
            print(f"  active sessions waited: {waits.shares()} ({samples} samples)")
    return int(result["rps"]), 1000 * spent / max(int(result.get("admitted", 0)), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="the older working tree (beside this one)")
    parser.add_argument(
        "--tree", type=tree_and_settings, action="append", help="TREE[:GATE_X=v,...], twice"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--watch", action="store_true", help="sample PostgreSQL's wait events")
    args = parser.parse_args()
    if args.before is not None:
        trees = [("before", args.before, {}), ("after", ROOT, {})]
    elif args.tree and len(args.tree) == 2:
        trees = [
            (f"{path}:{','.join(f'{k}={v}' for k, v in settings.items())}", path, settings)
            for path, settings in args.tree
        ]
    else:
        parser.error("--before TREE, or --tree twice")
    figures: dict[str, list[tuple[int, float]]] = {name: [] for name, _, _ in trees}
    for n in range(args.rounds):
        for name, checkout, settings in trees:
            rps, cpu_ms = one_run(checkout.resolve(), settings, args.seconds, args.watch)
            figures[name].append((rps, cpu_ms))
            print(f"round {n} {name}: {rps}/s, {cpu_ms:.2f} ms CPU per check-in", flush=True)
    for name, runs in figures.items():
        rps = statistics.median(r for r, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(f"median {name}: {rps}/s, {cpu:.2f} ms CPU per check-in", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

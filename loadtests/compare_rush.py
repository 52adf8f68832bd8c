"""The booking rush for two or more working trees of the project, side by side in one run:
each tree's `gate serve --workers 2` on a fresh scratch database, ``--attempts`` bookings of
distinct vehicles on one slot of 100 places all at once (loadtests/workloads.py's rush),
trees alternating for ``--rounds``.

    git worktree add --detach /tmp/t-8d79e49 8d79e49
    .venv/bin/python loadtests/compare_rush.py --tree /tmp/t-8d79e49 --tree . --attempts 4000

Prints, per run, the seconds until every attempt was answered, the bookings confirmed and the
5xx answers; then each tree's median. The rounds of one tree vary by about 25 % on this
machine: compare medians of several rounds, never one run. Traffic to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from loadtests.harness import platform
from loadtests.machine import free_port, scratch_database
from loadtests.workloads import booking_rush


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, action="append", required=True)
    parser.add_argument("--attempts", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    took: dict[Path, list[float]] = {tree: [] for tree in args.tree}
    for round_ in range(args.rounds):
        for tree in args.tree:
            database = scratch_database("gate_compare_rush")
            namespace = f"rush-{uuid.uuid4().hex[:6]}"
            with platform(database, free_port(), namespace, 2, checkout=tree.resolve()) as (
                base,
                _pid,
            ):
                result = asyncio.run(booking_rush(base, args.attempts, 100))
            seconds = result["seconds_to_answer_all"]
            took[tree].append(seconds)
            print(
                f"round {round_} {tree}: {seconds} s, confirmed {result['confirmed']}, "
                f"5xx {result['server_errors']}",
                flush=True,
            )
    for tree, values in took.items():
        print(f"median {tree}: {statistics.median(values)} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

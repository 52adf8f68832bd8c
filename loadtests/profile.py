"""Where a check-in's time goes: the platform under wrk's walk-in check-ins, sampled by py-spy.

    .venv/bin/pip install py-spy                 # or: pip install -e ".[bench]"
    .venv/bin/python loadtests/profile.py --seconds 15 --connections 32
    .venv/bin/python loadtests/profile.py --rush 4000        # the booking rush instead

Starts its own platform like the benchmark (one `gate serve` process on a scratch PostgreSQL
database and Redis), samples it for the run and prints where the samples fell: by package,
and the functions that were on the CPU most. The raw samples stay in loadtests/results/ for
a flame graph (`py-spy record -f flamegraph` on them, or speedscope). SQLAlchemy runs queries
in greenlets, which py-spy shows as stacks of their own: read the "on CPU" table (self time),
which is right whatever the stack.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loadtests import harness, machine, workloads

RESULTS = machine.ROOT / "loadtests" / "results"


def summary(raw: Path, top: int) -> str:
    """Self time by package and by function, from py-spy's raw (collapsed) output."""
    by_package: collections.Counter[str] = collections.Counter()
    by_function: collections.Counter[str] = collections.Counter()
    total = 0
    for line in _records(raw.read_text()):
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        total += samples
        frame = stack.split(";")[-1]
        where = re.search(r"\((.*?):\d+\)", frame)
        path = where.group(1) if where else frame
        package = path.split("site-packages/")[-1].split("/")[0] if "/" in path else path
        by_package[package] += samples
        by_function[re.sub(r":\d+\)", ")", frame)] += samples
    lines = [f"{total} samples", "", "on CPU, by package:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in by_package.most_common(top)]
    lines += ["", "on CPU, by function:"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in by_function.most_common(top)]
    return "\n".join(lines)


def _records(text: str) -> list[str]:
    """py-spy's collapsed lines, each a stack and its count; a frame whose name holds a line
    break (SQLAlchemy names the functions it compiles by their source) continues on the next
    line, so lines are joined until one ends in a count."""
    records: list[str] = []
    pending = ""
    for line in text.splitlines():
        pending += line
        if re.search(r" \d+$", pending):
            records.append(pending)
            pending = ""
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--rush", type=int, default=0, help="profile this many booking attempts on one slot"
    )
    args = parser.parse_args()
    spy = shutil.which("py-spy") or str(machine.BIN / "py-spy")
    if not Path(spy).exists():
        print("py-spy is not installed: .venv/bin/pip install py-spy", file=sys.stderr)
        return 2
    RESULTS.mkdir(exist_ok=True)
    raw = RESULTS / ("profile-rush.txt" if args.rush else "profile-checkins.txt")
    database = machine.scratch_database("gate_profile")
    port = machine.free_port()
    with harness.platform(database, port, f"profile-{uuid.uuid4().hex[:6]}") as (base, pid):
        if args.rush:
            return _rush(spy, raw, base, pid, args.rush, args.top)
        harness.open_gate(base)
        token = harness.camera(base)
        script = str(machine.ROOT / "loadtests" / "wrk" / "checkin.lua")
        sample = ["record", "-p", str(pid), "-d", str(args.seconds), "-r", "200", "-f", "raw"]
        sampler = subprocess.Popen(
            [spy, *sample, "-o", str(raw), "--nonblocking"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        load = machine.wrk(
            f"{base}/api/v1/gates/tan-thanh/checkins",
            args.seconds,
            args.connections,
            script,
            {"TOKEN": token},
        )
        sampler.wait(timeout=args.seconds + 60)
    print(f"wrk, {args.connections} connections: {load}")
    print(summary(raw, args.top))
    return 0


def _rush(spy: str, raw: Path, base: str, pid: int, attempts: int, top: int) -> int:
    """The booking rush (loadtests/workloads.py) sampled from its first attempt to its last
    answer: the vehicles are registered before the sampler starts."""
    answered = asyncio.run(_sampled_rush(spy, raw, base, pid, attempts))
    print(f"rush of {attempts:,} attempts: {answered}")
    print(summary(raw, top))
    return 0


async def _sampled_rush(spy: str, raw: Path, base: str, pid: int, attempts: int) -> str:
    """The rush's attempts with py-spy recording ``pid`` while they are answered."""
    prepared = await workloads.prepare_rush(base, attempts, 100)
    sample = ["record", "-p", str(pid), "-r", "200", "-f", "raw", "-o", str(raw)]
    sampler = await asyncio.create_subprocess_exec(
        spy, *sample, "--nonblocking", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        took, statuses = await workloads.rush_attempts(base, *prepared)
    finally:
        sampler.send_signal(signal.SIGINT)
        await asyncio.wait_for(sampler.wait(), 60)
    counts = collections.Counter(statuses)
    return f"{took:.2f} s, statuses {dict(counts)}"


if __name__ == "__main__":
    sys.exit(main())

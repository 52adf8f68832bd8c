"""Function calls per booking attempt inside the rush's batch (gate/bookings/together.py::decide)
on batches of a fixed size, in this process: no HTTP, and no batch sizes that follow timing
(loadtests/count_calls.py --rush counts the whole request, its batches as the run made them).

    .venv/bin/python loadtests/batch_calls.py                       # this tree, batches of 20
    .venv/bin/python loadtests/batch_calls.py --tree /tmp/main --tree . --batch 20

A scratch PostgreSQL database is migrated and seeded, an enterprise with a driver and
``--attempts`` vehicles and a slot of ``--capacity`` places are made through the API (not
counted); then the attempts, each with an Idempotency-Key, are decided ``--batch`` at a time
as the batcher decides them (one transaction each, the slot remembered full after the batch
that filled it), under cProfile. A tree is run in a process of its own, its folder first on
the path. The profile is written as loadtests/results/calls-<commit>-batch<size>.prof with
its count beside it, so that count_calls.py compares two of them (``--tree a.prof --tree
b.prof``); this script prints the total per attempt and the answers' statuses.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

TREE = Path(os.environ.get("GATE_BATCH_CALLS_TREE", Path(__file__).resolve().parents[1]))
# The tree in place of this script's folder, whose profile.py would hide the standard one.
sys.path[0:1] = [str(TREE), str(Path(__file__).resolve().parents[1])]

ADMIN = {"Authorization": "Bearer batch-admin-token"}


async def profiled(database: str, attempts: int, capacity: int, batch: int, out: Path) -> str:
    """The batches decided under cProfile, written to ``out``: the statuses counted."""
    import cProfile

    from sqlalchemy import select

    from gate.bookings.full_slots import FullSlots
    from gate.bookings.service import BookingRules, Cargo, NewBooking
    from gate.bookings.together import Answer, Attempt, Decider, decide
    from gate.bus.events import InMemoryEventBus
    from gate.cli.database import seed
    from gate.config import Settings, normalise_database_url
    from gate.domain.events import Actor
    from gate.domain.no_shows import DEFAULT_POLICY
    from gate.domain.slots import Direction
    from gate.domain.time import utc_now
    from gate.store.database import create_session_factory
    from gate.store.tables import Driver
    from gate.store.unit_of_work import UnitOfWork
    from loadtests.harness import enterprise_with_driver
    from services.api.bookings.rush import BookingAnswers
    from services.app import assemble_app, build_platform
    from tests.asgi import in_process_client

    settings = dataclasses.replace(
        Settings(),
        database_url=normalise_database_url(database),
        admin_token="batch-admin-token",
        booking_write_limit="1000000/second",
        sweep_seconds=0,
        outbox=False,
        redis_url=None,
    )
    await seed(settings)
    platform = build_platform(settings, InMemoryEventBus())
    app = assemble_app(platform, settings.parts)
    async with in_process_client(app, timeout=600) as client:
        headers, driver = await enterprise_with_driver(client, ADMIN, "Rush", "079000099999")
        vehicles = []
        for n in range(attempts):
            made = await client.post(
                "/api/v1/vehicles",
                headers=headers,
                json={
                    "plate": f"{10 + n // 100000 % 89:02d}C{n % 100000:05d}",
                    "vehicle_type": "truck",
                },
            )
            vehicles.append(made.json()["id"])
        start = (datetime.now(UTC) + timedelta(hours=4)).replace(minute=0, second=0, microsecond=0)
        override = await client.post(
            "/api/v1/gates/tan-thanh/capacity-overrides",
            headers=ADMIN,
            json={"direction": "export", "starts_at": start.isoformat(), "capacity": capacity},
        )
        override.raise_for_status()
    factory = create_session_factory(platform.engine)
    bus = InMemoryEventBus()
    async with UnitOfWork(factory, bus) as uow:
        enterprise = await uow.session.scalar(
            select(Driver.enterprise_id).where(Driver.id == driver["id"])
        )
    assert enterprise is not None
    rules = BookingRules(utc_now(), timedelta(days=30), DEFAULT_POLICY)
    cargo = Cargo("rush", 1000)
    every = [
        Attempt(
            enterprise,
            NewBooking("tan-thanh", Direction.EXPORT, start, vehicle, driver["id"], cargo),
            rules,
            Actor("enterprise", enterprise),
            start,
            uuid.uuid4().hex,
            uuid.uuid4().hex * 2,
        )
        for vehicle in vehicles
    ]
    how = Decider(platform.gates, FullSlots(), BookingAnswers(), timedelta(hours=24))
    statuses: Counter[str] = Counter()
    profile = cProfile.Profile()
    profile.enable()
    for first in range(0, attempts, batch):
        async with UnitOfWork(factory, bus) as uow:
            decision = await decide(uow, every[first : first + batch], how)
            await uow.commit()
        if decision.full is not None:
            how.full.remember(*decision.full)
        statuses.update(
            str(o.status) if isinstance(o, Answer) else type(o).__name__ for o in decision.outcomes
        )
    profile.disable()
    profile.dump_stats(str(out))
    await platform.engine.dispose()
    return json.dumps(dict(statuses))


def run_tree(tree: Path, attempts: int, capacity: int, batch: int) -> Path:
    """``tree``'s batches profiled in a process of its own: the profile's file."""
    from loadtests.count_calls import RESULTS, commit_of

    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"calls-{commit_of(tree)}-batch{batch}.prof"
    env = {**os.environ, "GATE_BATCH_CALLS_TREE": str(tree)}
    args = [sys.executable, __file__, "--one", str(out)]
    args += ["--attempts", str(attempts), "--capacity", str(capacity), "--batch", str(batch)]
    subprocess.run(args, env=env, check=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, action="append", help="a working tree")
    parser.add_argument("--attempts", type=int, default=2000)
    parser.add_argument("--capacity", type=int, default=100)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # run_tree's child
    args = parser.parse_args()
    if args.one is not None:
        from gate.store.migrate import upgrade
        from loadtests.machine import scratch_database

        database = scratch_database("gate_batch_calls")
        upgrade(database)
        statuses = asyncio.run(
            profiled(database, args.attempts, args.capacity, args.batch, args.one)
        )
        args.one.with_suffix(".json").write_text(
            json.dumps({"checkins": args.attempts, "answers": json.loads(statuses)})
        )
        return 0
    from loadtests.count_calls import counts_of

    for tree in args.tree or [Path(".")]:
        out = run_tree(tree.resolve(), args.attempts, args.capacity, args.batch)
        calls, attempts = counts_of(out)
        answers = json.loads(out.with_suffix(".json").read_text())["answers"]
        print(
            f"{out.stem}: {sum(calls.values()) / attempts:,.1f} calls per attempt in batches "
            f"of {args.batch} ({attempts} attempts, {answers})",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

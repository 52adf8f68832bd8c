"""A check-in batch costs a fixed number of database round trips, whatever its size (issue
20): the group commit's batch of walk-ins or of booked trucks, counted statement by statement
(tests/round_trips.py). Run with ``-s`` to see each round trip and the phase that made it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.checkins.batcher import CheckinBatcher
from gate.checkins.pipelines import Pipelines
from gate.checkins.service import DeviceEvent
from gate.config import Settings
from gate.domain.time import utc_now
from gate.gates.memory import GateMemory
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Device
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, device, open_all_day, this_hour
from tests.round_trips import RoundTrips, counting

SIZES = (1, 10, 100)
# What a batch costs on PostgreSQL at most (docs/benchmarks.md, "A check-in batch's round
# trips" and "The check-in batch in Core statements"): BEGIN and COMMIT counted. SQLite's
# statements are calls into the process. Walk-ins take the gate's queue-count lock and their
# hours' places (both directions') in one statement (gate/checkins/admission.py), then insert
# their rows. The walk-ins' fee (issue 19): the schedule in force at their hour read once per
# batch (here the gate has none; with one, its rates, the invoice counter and the fees' INSERT
# follow: docs/benchmarks.md).
CEILING_ON_POSTGRES = {"walk-ins": 12, "booked trucks": 9}


async def _batches(
    settings: Settings, plates: Sequence[Sequence[str]], cameras: int = 1
) -> list[RoundTrips]:
    """Each list of plates read by one camera (or, in turn, by the last ``cameras`` made) and
    checked in as one group-commit batch (a warm-up batch first, so that caches are as a
    running process has them); the round trips of each batch."""
    engine = create_engine(settings)
    factory = create_session_factory(engine)

    def new_uow() -> UnitOfWork:
        return UnitOfWork(factory, InMemoryEventBus())

    batcher = CheckinBatcher(
        new_uow,
        max_batch=1000,
        max_wait=1.0,
        retention=settings.device_event_retention,
        # As the platform makes it (services/app.py), its rows held for the whole test: a row
        # expired between two counted batches (a slow machine) would count its read.
        gates=GateMemory(ttl_s=3600),
        # A lease renewed within a counted batch (a slow machine) would count its statements.
        pipelines=Pipelines(new_uow, term=timedelta(minutes=10)),
    )
    await batcher.start()
    counted = []
    try:
        async with UnitOfWork(factory, InMemoryEventBus()) as uow:
            made = (await uow.session.scalars(select(Device))).all()[-cameras:]
            camera_ids, gate_id = [camera.id for camera in made], made[0].gate_id
        for n, batch in enumerate(plates):
            now = utc_now()
            events = [DeviceEvent(f"trip-{n}-{i}", now, plate=p) for i, p in enumerate(batch)]
            with counting(engine) as trips:
                # Queued before the batch loop runs: one batch of them all.
                answers = await asyncio.gather(
                    *(
                        batcher.submit(gate_id, camera_ids[i % cameras], event)
                        for i, event in enumerate(events)
                    )
                )
            assert all(isinstance(a, tuple) and b'"refused"' not in a[0] for a in answers)
            counted.append(trips)
    finally:
        await batcher.stop()
        await engine.dispose()
    return counted


def _report(kind: str, counted: Sequence[RoundTrips], settings: Settings) -> None:
    """Print each batch's round trips (seen with ``-s``); check they do not grow with the
    batch, nor past the ceiling on PostgreSQL."""
    for size, trips in zip(SIZES, counted, strict=True):
        print(f"\n{kind}, a batch of {size}: {len(trips)} round trips\n{trips.listing()}")
    assert len({len(trips) for trips in counted}) == 1, [len(t) for t in counted]
    if settings.database_url.startswith("postgresql"):
        assert len(counted[0]) <= CEILING_ON_POSTGRES[kind], counted[0].listing()


async def test_a_batch_of_walk_ins_costs_round_trips_whatever_its_size(
    api: Api, settings: Settings
):
    await open_all_day(api, capacity=500)
    await device(api)
    warm_up = ["29H-700.00"]
    batches = [[f"29H-{700 + size}.{i:02d}" for i in range(size)] for size in SIZES]
    counted = (await _batches(settings, [warm_up, *batches]))[1:]
    _report("walk-ins", counted, settings)


async def test_walk_ins_of_both_directions_cost_a_batch_of_one_directions_round_trips(
    api: Api, settings: Settings
):
    """An export and an import camera's walk-ins in one batch (as the benchmark sends them):
    both directions' hours are admitted by one statement (gate/checkins/admission.py), not
    by the count lock and each hour's slot row made and taken in turn (four more)."""
    await open_all_day(api, capacity=500)
    await device(api)
    await device(api, direction="import")
    warm_up = ["29H-800.00", "29H-800.01"]
    batches = [
        [f"29H-{800 + size + i // 100}.{i % 100:02d}" for i in range(2 * size)] for size in SIZES
    ]
    counted = (await _batches(settings, [warm_up, *batches], cameras=2))[1:]
    _report("walk-ins", counted, settings)


async def test_a_batch_of_booked_trucks_costs_round_trips_whatever_its_size(
    api: Api, settings: Settings
):
    await open_all_day(api, capacity=500)
    await device(api)
    enterprise = await api.enterprise()
    booked: list[list[str]] = []
    for size in (1, *SIZES):
        booked.append([(await enterprise.book(this_hour())).json()["plate"] for _ in range(size)])
    counted = (await _batches(settings, booked))[1:]
    _report("booked trucks", counted, settings)

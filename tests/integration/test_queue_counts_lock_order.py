"""Issue 20: the queue counts' per-gate lock (migration 0017's trigger takes
``pg_advisory_xact_lock`` of the gate whenever a waiting vehicle changes) against the lock
order every path keeps, bookings before slots (docs/architecture.md, "Lock order").

A check-in batch takes the gate's counts lock twice in its order: when its booked trucks join
the queue (bookings, before the slot rows) and when its walk-ins are stored (after the slot
rows). Two transactions deciding check-ins of one gate (two processes' batches, or an
officer's check-in by hand beside a camera's batch) then wait for each other: the first holds
the counts lock and waits for the hour's slot row, the second holds that row and waits for
the counts lock (a deadlock, found by the hostile tester). Now the walk-ins take the counts
lock before their slot row (gate/yard/counts.py::lock_counts), so the order is bookings,
counts, slots in both, and both commit."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import select, text

from gate.bus.events import InMemoryEventBus
from gate.checkins import places
from gate.checkins.service import DeviceEvent, check_in_many
from gate.config import Settings
from gate.domain.time import utc_now
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Booking, Device, Gate
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, device, open_all_day, this_hour


async def _until_a_transaction_waits_for_a_lock(settings: Settings) -> None:
    """PostgreSQL: until another session waits for a lock (a row's, or an advisory one).
    SQLite has no row locks: its writers queue for the database, nothing to wait for."""
    if not settings.database_url.startswith("postgresql"):
        return
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            while not await connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            ):
                await connection.rollback()  # a fresh snapshot of pg_stat_activity
                await asyncio.sleep(0.01)
    finally:
        await engine.dispose()


async def test_two_check_in_batches_of_one_gate_do_not_deadlock_on_the_counts_lock(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await open_all_day(api, capacity=50)
    await device(api)
    enterprise = await api.enterprise()
    booked_plate = (await enterprise.book(this_hour())).json()["plate"]  # the hour's slot row

    # The second transaction (B) holds the hour's slot row and stops before its walk-in is
    # stored, until the first (A) waits for that row.
    holds_the_hour, go_on = asyncio.Event(), asyncio.Event()
    # SQLite's writers queue for the database: B is not stopped there (nothing to interleave).
    stopping = settings.database_url.startswith("postgresql")
    if not stopping:
        holds_the_hour.set()
    store = places._store_walk_ins
    stops: list[bool] = []

    async def stored_when_told(uow: UnitOfWork, gate: Gate, bookings: list[Booking]) -> set[str]:
        if stopping and not stops:
            stops.append(True)
            holds_the_hour.set()
            await go_on.wait()
        return await store(uow, gate, bookings)

    monkeypatch.setattr(places, "_store_walk_ins", stored_when_told)

    engine = create_engine(settings)
    factory = create_session_factory(engine)
    try:
        async with UnitOfWork(factory, InMemoryEventBus()) as uow:
            camera = (await uow.session.scalars(select(Device))).all()[-1]
            camera_id, gate_id = camera.id, camera.gate_id

        async def batch(plates: Sequence[str], tag: str) -> None:
            async with UnitOfWork(factory, InMemoryEventBus()) as uow:
                gate = await uow.session.get(Gate, gate_id)
                reader = await uow.session.get(Device, camera_id)
                assert gate is not None and reader is not None
                now = utc_now()
                reads = [
                    (reader, DeviceEvent(f"{tag}-{n}", now, plate=plate))
                    for n, plate in enumerate(plates)
                ]
                await check_in_many(uow, gate, reads, retention=settings.device_event_retention)
                await uow.commit()

        second = asyncio.create_task(batch(["51C-300.01"], "b"))  # a walk-in
        held = asyncio.create_task(holds_the_hour.wait())
        await asyncio.wait([second, held], return_when=asyncio.FIRST_COMPLETED)
        held.cancel()
        assert not (stopping and second.done()), second  # it stops before its walk-in
        # A booked truck joins the queue (the counts lock), then a walk-in wants the hour.
        first = asyncio.create_task(batch([booked_plate, "51C-300.02"], "a"))
        await _until_a_transaction_waits_for_a_lock(settings)
        go_on.set()
        outcomes = await asyncio.gather(first, second, return_exceptions=True)
    finally:
        await engine.dispose()

    failed = [
        f"{name}: {outcome!r}"
        for name, outcome in zip(("A", "B"), outcomes, strict=True)
        if isinstance(outcome, BaseException)
    ]
    assert failed == []

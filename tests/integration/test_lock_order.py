"""Paths that lock two or more slot rows take them in one order, by id (docs/architecture.md,
"Lock order"), so opposite-order work never deadlocks on PostgreSQL (40P01, a 503).

Each test lines the transactions up instead of hoping for an unlucky moment: a connection of
the test holds one slot row, the calls queue behind it, and letting it go hands the rows out
in an order that closes a cycle unless every path locks by id. Slot rows are made with chosen
ids so that id order and time order disagree."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import asyncpg
import pytest

from gate.bookings.sweeps import sweep_no_shows
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import floor_to_slot, utc_now
from gate.store.unit_of_work import UnitOfWork
from services.app import create_app
from tests.asgi import in_process_client
from tests.helpers import Api, admin, book_as_of, device, open_all_day, read, tomorrow_at

pytestmark = pytest.mark.parametrize("backend", ["postgres"])

LOW_ID = "00000000-0000-4000-8000-000000000000"  # sorts before any uuid4
MIDDLE_ID = "88888888-8888-4888-8888-888888888888"
HIGH_ID = "ffffffff-ffff-4fff-bfff-ffffffffffff"  # and after any
BATCH = "/api/v1/gates/tan-thanh/checkins/batch"


def _dsn(settings: Settings) -> str:
    return settings.database_url.replace("postgresql+asyncpg://", "postgresql://")


async def _slot(db: asyncpg.Connection, slot_id: str, start: datetime) -> None:
    """The export slot of ``start`` at Tân Thanh, made with the id the test needs."""
    await db.execute(
        "INSERT INTO slots (id, gate_id, direction, starts_at, capacity, booked) "
        "SELECT $1, id, 'export', $2, 50, 0 FROM gates WHERE code = 'tan-thanh'",
        slot_id,
        start,
    )


@asynccontextmanager
async def _holding(settings: Settings, slot_id: str) -> AsyncIterator[None]:
    """Hold the slot row's lock until the block ends (then roll back)."""
    holder = await asyncpg.connect(_dsn(settings))
    try:
        await holder.execute("BEGIN")
        await holder.execute("SELECT 1 FROM slots WHERE id = $1 FOR UPDATE", slot_id)
        yield
    finally:
        await holder.close()  # ends the transaction, and so the lock


async def _waiting_for_locks(db: asyncpg.Connection, count: int) -> None:
    """Until ``count`` sessions of this database wait on a lock (5 s at most)."""
    deadline = asyncio.get_running_loop().time() + 5
    while True:
        waiting = await db.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        if waiting >= count:
            return
        assert asyncio.get_running_loop().time() < deadline, f"{waiting} of {count} waiting"
        await asyncio.sleep(0.01)


async def _booked(db: asyncpg.Connection, slot_id: str) -> tuple[int, int]:
    """The slot's count, and the active bookings that hold a place in it."""
    row = await db.fetchrow(
        "SELECT booked, (SELECT count(*) FROM bookings WHERE slot_id = $1 "
        "AND status NOT IN ('cancelled', 'no_show', 'expired')) AS held FROM slots WHERE id = $1",
        slot_id,
    )
    return int(row["booked"]), int(row["held"])


async def test_late_trucks_walking_in_and_a_reschedule_into_their_hour_never_deadlock(
    api: Api, settings: Settings
):
    # Two late trucks free their past hours (X, Y) and walk into this hour (H) in one batch,
    # while a booking of X moves to H. The reschedule locks by id (H, X); the check-in freed
    # X and Y before locking H, so it held X while the reschedule held H.
    now = utc_now()
    hour = floor_to_slot(now)
    db = await asyncpg.connect(_dsn(settings))
    try:
        await _slot(db, LOW_ID, hour)
        await _slot(db, MIDDLE_ID, hour - timedelta(hours=4))
        await _slot(db, HIGH_ID, hour - timedelta(hours=3))
        await open_all_day(api)
        enterprise = await api.enterprise()
        moving = await book_as_of(settings, enterprise, hour - timedelta(hours=4))
        late = [await book_as_of(settings, enterprise, hour - timedelta(hours=h)) for h in (4, 3)]
        camera = await device(api)

        async with _holding(settings, HIGH_ID):
            body = {"events": [read(truck["plate"], now) for truck in late]}
            checkin = asyncio.create_task(api.client.post(BATCH, json=body, headers=camera))
            await _waiting_for_locks(db, 1)
            move = asyncio.create_task(
                api.client.post(
                    f"/api/v1/bookings/{moving['id']}/reschedule",
                    json={"slot_start": hour.isoformat(), "version": 1},
                    headers=enterprise.headers,
                )
            )
            await _waiting_for_locks(db, 2)
        answers = await asyncio.gather(checkin, move)

        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        assert [e["outcome"] for e in answers[0].json()["answers"]] == ["walk_in", "walk_in"]
        assert await _booked(db, MIDDLE_ID) == (0, 0)
        assert await _booked(db, HIGH_ID) == (0, 0)
        assert await _booked(db, LOW_ID) == (3, 3)
    finally:
        await db.close()


async def test_the_no_show_sweep_and_late_check_ins_freeing_the_same_hours_never_deadlock(
    api: Api, settings: Settings, uow: UnitOfWork
):
    # Two past hours: the earlier (X1) has the higher id. The sweep freed places in time order
    # (X1, X2), check-ins by id (X2, X1): with two check-ins queued, the second held X2 while
    # the sweep held X1.
    now = utc_now()
    earlier, later = (
        floor_to_slot(now) - timedelta(hours=4),
        floor_to_slot(now) - timedelta(hours=3),
    )
    db = await asyncpg.connect(_dsn(settings))
    second_app = create_app(settings, bus=InMemoryEventBus())
    try:
        await _slot(db, HIGH_ID, earlier)
        await _slot(db, LOW_ID, later)
        await _slot(db, MIDDLE_ID, floor_to_slot(now))  # where the late trucks walk in
        await open_all_day(api)
        enterprise = await api.enterprise()
        for start in (earlier, later):  # never came: the sweep's
            await book_as_of(settings, enterprise, start)
        late = [
            [await book_as_of(settings, enterprise, start) for start in (earlier, later)]
            for _ in range(2)
        ]
        camera = await device(api)

        async with in_process_client(second_app) as other_process:
            async with _holding(settings, HIGH_ID):
                # The gate's check-ins are decided by one pipeline (issue 20), never two
                # transactions at once: the late trucks' batch holds X2 and waits for X1.
                checkins = [
                    asyncio.create_task(
                        other_process.post(
                            BATCH,
                            json={"events": [read(b["plate"], now) for t in late for b in t]},
                            headers=camera,
                        )
                    )
                ]
                await _waiting_for_locks(db, 1)
                sweep = asyncio.create_task(_sweep(uow))
                await _waiting_for_locks(db, 2)
            answers = await asyncio.gather(*checkins)
            swept = await sweep

        assert [a.status_code for a in answers] == [200], [a.text for a in answers]
        assert swept == 2
        outcomes = [entry["outcome"] for a in answers for entry in a.json()["answers"]]
        assert outcomes == ["walk_in"] * 4
        assert await _booked(db, HIGH_ID) == (0, 0)
        assert await _booked(db, LOW_ID) == (0, 0)
        assert await _booked(db, MIDDLE_ID) == (4, 4)
    finally:
        await db.close()


async def _sweep(uow: UnitOfWork) -> int:
    swept = await sweep_no_shows(uow, utc_now())
    await uow.commit()
    return swept


async def test_a_new_capacity_for_the_day_and_a_reschedule_between_its_hours_never_deadlock(
    api: Api, settings: Settings
):
    # The administrator changes the day's capacity: every future slot row is updated. In time
    # order (07:00, then 10:00) that held 07:00 while a move 07:00 -> 10:00 held 10:00 (the
    # lower id) and waited for 07:00.
    early, late = tomorrow_at(7), tomorrow_at(10)
    db = await asyncpg.connect(_dsn(settings))
    try:
        await open_all_day(api)
        await _slot(db, HIGH_ID, early)
        await _slot(db, LOW_ID, late)
        enterprise = await api.enterprise()
        booking = (await enterprise.book(early)).json()

        async with _holding(settings, HIGH_ID):
            schedule = asyncio.create_task(
                api.client.put(
                    "/api/v1/gates/tan-thanh/schedules/export",
                    json={"hourly_capacity": 40, "opens_at": 0, "closes_at": 24},
                    headers=admin(),
                )
            )
            await _waiting_for_locks(db, 1)
            move = asyncio.create_task(
                api.client.post(
                    f"/api/v1/bookings/{booking['id']}/reschedule",
                    json={"slot_start": late.isoformat(), "version": booking["version"]},
                    headers=enterprise.headers,
                )
            )
            await _waiting_for_locks(db, 2)
        answers = await asyncio.gather(schedule, move)

        assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
        assert await _booked(db, HIGH_ID) == (0, 0)
        assert await _booked(db, LOW_ID) == (1, 1)
        capacities = await db.fetch("SELECT capacity FROM slots WHERE starts_at > now()")
        assert [row["capacity"] for row in capacities] == [40, 40]
    finally:
        await db.close()

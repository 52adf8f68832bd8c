"""The yard queue's counts (``queue_counts``, kept by triggers on ``bookings``) always equal a
count of the waiting vehicles, whatever changes them: check-ins, calls, and random changes of
status, class, lateness, spoil-by, direction and gate by ORM and by set-based statements,
deletions included; and ``rebuild`` recounts them after they were made wrong. Each count is
(waiting, of them with a spoil-by)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.bookings import BookingStatus
from gate.domain.queue import QueueClass
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Booking, Gate, QueueCount
from gate.store.types import new_id
from gate.store.unit_of_work import UnitOfWork
from gate.yard.counts import NO_CLASS, rebuild
from tests.helpers import Api, device, officer, open_all_day, read

GATE = "/api/v1/gates/tan-thanh"
SPOIL_BY = datetime(2026, 12, 1, 6, tzinfo=UTC)
STATUSES = [BookingStatus.ARRIVED.value, BookingStatus.CALLED.value, BookingStatus.EXITED.value]


@pytest.fixture
async def new_uow(settings: Settings) -> AsyncIterator[type[UnitOfWork] | object]:
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    yield lambda: UnitOfWork(factory, InMemoryEventBus())
    await engine.dispose()


async def kept_and_counted(
    uow: UnitOfWork,
) -> tuple[dict[tuple, tuple[int, int]], dict[tuple, tuple[int, int]]]:
    """(the counts as kept, the counts from the rows), zero counts left out."""
    kept = {
        (g, d, c, bool(b)): (int(w), int(s))
        for g, d, c, b, w, s in await uow.session.execute(
            select(
                QueueCount.gate_id,
                QueueCount.direction,
                QueueCount.queue_class,
                QueueCount.behind,
                QueueCount.waiting,
                QueueCount.with_spoil_by,
            )
        )
        if w or s
    }
    queue_class = func.coalesce(Booking.queue_class, NO_CLASS)
    counted = {
        (g, d, c, bool(b)): (int(n), int(s))
        for g, d, c, b, n, s in await uow.session.execute(
            select(
                *(Booking.gate_id, Booking.direction, queue_class, Booking.queue_behind),
                *(func.count(), func.count(Booking.spoil_by)),
            )
            .where(Booking.status == BookingStatus.ARRIVED.value)
            .group_by(Booking.gate_id, Booking.direction, queue_class, Booking.queue_behind)
        )
    }
    return kept, counted


async def test_the_counts_follow_every_change_to_the_waiting_vehicles(api: Api, new_uow):
    await open_all_day(api, capacity=200)
    cameras = [await device(api), await device(api, direction="import")]
    for n in range(24):
        answer = await api.client.post(
            f"{GATE}/checkins", json=read(f"29H-771.{n:02d}"), headers=cameras[n % 2]
        )
        assert answer.json()["outcome"] == "walk_in"
    operator = await officer(api, "gate_operator")
    for _ in range(3):  # to one lane, forced past the truck before: the counts are the point
        called = await api.client.post(
            f"{GATE}/lanes/X1/call-next", headers=operator, params={"force": "true"}
        )
        assert called.json()["called"] is not None
    async with new_uow() as uow:
        kept, counted = await kept_and_counted(uow)
        assert sum(n for n, _ in counted.values()) == 21
        assert kept == counted
    chance = random.Random(20261130)
    async with new_uow() as uow:
        gate_ids = list(await uow.session.scalars(select(Gate.id)))
    made: list[str] = []
    for step in range(60):
        async with new_uow() as uow:
            ids = list(await uow.session.scalars(select(Booking.id).order_by(Booking.id)))
            if not ids:
                break
            chosen = chance.sample(ids, min(len(ids), chance.randint(1, 4)))
            change = chance.choice(
                ["class", "behind", "spoil_by", "status", "direction", "gate", "orm", "drop"]
            )
            target = update(Booking).where(Booking.id.in_(chosen))
            if change == "class":
                classes = [*(c.value for c in QueueClass), None]
                await uow.session.execute(target.values(queue_class=chance.choice(classes)))
            elif change == "behind":
                await uow.session.execute(target.values(queue_behind=chance.random() < 0.5))
            elif change == "spoil_by":  # set, moved or taken away
                spoil_by = SPOIL_BY + timedelta(hours=chance.randint(0, 48))
                await uow.session.execute(
                    target.values(spoil_by=None if chance.random() < 0.3 else spoil_by)
                )
            elif change == "status":
                await uow.session.execute(target.values(status=chance.choice(STATUSES)))
            elif change == "direction":
                await uow.session.execute(
                    target.values(direction=chance.choice(["export", "import"]))
                )
            elif change == "gate":
                await uow.session.execute(target.values(gate_id=chance.choice(gate_ids)))
            elif change == "orm":  # several columns of one row at once, by the ORM's flush
                booking = await uow.session.get(Booking, chosen[0])
                assert booking is not None
                booking.status = chance.choice(STATUSES)
                booking.queue_class = chance.choice(list(QueueClass)).value
                booking.queue_behind = not booking.queue_behind
                booking.spoil_by = None if booking.spoil_by else SPOIL_BY
            elif made and chance.random() < 0.5:  # one of ours: nothing refers to it
                await uow.session.execute(delete(Booking).where(Booking.id == made.pop()))
            else:  # a copy of a vehicle, made by a set-based INSERT
                original = await uow.session.get(Booking, chosen[0])
                assert original is not None
                copy = {
                    c.key: getattr(original, c.key)
                    for c in Booking.__table__.columns
                    if c.key not in {"active_plate", "active_trailer_plate"}
                }
                copy.update(id=new_id(), code=f"C{step:05d}{len(made)}", plate="29H-000.00")
                await uow.session.execute(insert(Booking), [copy])
                made.append(copy["id"])
            if chance.random() < 0.2:
                await uow.session.rollback()  # a change undone changes no count
            else:
                await uow.commit()
        async with new_uow() as uow:
            kept, counted = await kept_and_counted(uow)
            assert kept == counted, (step, change)


async def test_rebuild_recounts_counts_that_were_made_wrong(api: Api, new_uow):
    await open_all_day(api)
    camera = await device(api)
    for n in range(5):
        answer = await api.client.post(
            f"{GATE}/checkins", json=read(f"29H-772.{n:02d}"), headers=camera
        )
        assert answer.json()["outcome"] == "walk_in"
    async with new_uow() as uow:
        await uow.session.execute(update(QueueCount).values(waiting=QueueCount.waiting + 7))
        await uow.session.execute(update(Booking).values(spoil_by=SPOIL_BY))  # followed
        await uow.commit()
    async with new_uow() as uow:
        kept, counted = await kept_and_counted(uow)
        assert kept != counted
        await rebuild(uow)
        await uow.commit()
    async with new_uow() as uow:
        kept, counted = await kept_and_counted(uow)
        assert kept == counted and sorted(counted.values()) == [(5, 5)]

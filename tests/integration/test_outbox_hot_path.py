"""The outbox beside the check-in hot path (issue 20): an event nobody could be told of is not
written, and a round woken by a commit claims deliveries only when there may be some due,
while what the commit did make is still delivered at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.outbox.dispatcher import OutboxDispatcher
from gate.outbox.protocols import NewDelivery
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import OutboxEvent
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, device, open_all_day, read, this_hour
from tests.outbox import CHANNEL, EveryEvent, Recorder, booking_event


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


async def test_a_walk_in_writes_nothing_to_the_outbox_and_a_booked_truck_its_arrival(
    api: Api, uow: UnitOfWork
):
    await open_all_day(api, capacity=100)
    camera = await device(api)
    enterprise = await api.enterprise()
    vehicle = await enterprise.vehicle()
    booked = (await enterprise.book(this_hour(), vehicle)).json()
    for plate in (vehicle["plate"], "29H-55501"):  # the booked truck, then a walk-in
        answer = await api.client.post(
            "/api/v1/gates/tan-thanh/checkins", json=read(plate), headers=camera
        )
        assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "walk_in"
    rows = (await uow.session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq))).all()
    # The calendar's changes (the gate's event), the booking and its truck's arrival; of the
    # walk-in (no enterprise: no webhook, no user, no driver to tell) neither its booking
    # nor its arrival.
    assert [(row.name, row.booking_id) for row in rows] == [
        ("gate.calendar_changed", None),
        ("gate.calendar_changed", None),
        ("booking.created", booked["id"]),
        ("vehicle.arrived", booked["id"]),
    ]


class _Nobody:
    """An expander that finds nobody to tell."""

    async def expand(self, session: AsyncSession, event: OutboxEvent) -> list[NewDelivery]:
        return []


async def _expanded(engine: AsyncEngine, count: int) -> None:
    async with asyncio.timeout(30):
        while True:
            async with create_session_factory(engine)() as session:
                done = await session.scalars(
                    select(OutboxEvent.seq).where(OutboxEvent.expanded_at.is_not(None))
                )
                if len(done.all()) >= count:
                    return
            await asyncio.sleep(0.01)


async def test_a_commit_s_round_claims_deliveries_only_when_it_made_some(engine: AsyncEngine):
    claims: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.lstrip().upper().startswith("SELECT DELIVERIES.ID"):
            claims.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    sender = Recorder()
    # A poll far longer than the test: every round after the first is a commit's.
    dispatcher = OutboxDispatcher(
        lambda: UnitOfWork(create_session_factory(engine), InMemoryEventBus()),
        [_Nobody()],
        {CHANNEL: sender},
        schedule=(0.01,),
        poll_s=3600,
    )
    new_uow = create_session_factory(engine)
    dispatcher.start()
    try:
        for n in range(3):
            async with UnitOfWork(new_uow, InMemoryEventBus(), dispatcher.events_written) as uow:
                uow.record(booking_event(f"told-nobody-{n}"))
                await uow.commit()
            await _expanded(engine, n + 1)
        # Only the first round (at start) looked for due deliveries: the commits' rounds
        # made none.
        assert len(claims) == 1
        # A commit whose events make a delivery: claimed and sent in its own round.
        dispatcher.expanders[:] = [EveryEvent()]
        async with UnitOfWork(new_uow, InMemoryEventBus(), dispatcher.events_written) as uow:
            uow.record(booking_event("told-somebody"))
            await uow.commit()
        await sender.wait_for(lambda: len(sender.delivered) == 1)
        assert sender.delivered[0][1] == "told-somebody"
    finally:
        await dispatcher.stop()

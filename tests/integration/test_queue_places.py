"""The places a batch of check-ins is told are the places in the full service order: counted
in one pass of the database for the whole batch, checked here against the order computed
from the whole queue, on yards of mixed classes, spoil-by times, late vehicles and slots."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select, update

import gate.live.projections as projections
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.queue import QueueClass, ServiceCycle, queue_positions
from gate.domain.time import utc_now
from gate.gates.calendar import gate_by_code
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Booking, Gate
from gate.store.unit_of_work import UnitOfWork
from gate.yard.places import places_in_queue
from gate.yard.service import entry_of
from tests.helpers import Api, device, open_all_day, read

CHECKINS = "/api/v1/gates/tan-thanh/checkins"


async def test_places_of_a_batch_are_the_places_in_the_full_service_order(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(projections, "OFFICER_QUEUE_HEAD", 7)
    await open_all_day(api, capacity=200)
    cameras = [await device(api), await device(api, direction="import")]
    for n in range(60):
        answer = await api.client.post(
            CHECKINS, json=read(f"29H-558.{n:02d}"), headers=cameras[n % 2]
        )
        assert answer.json()["outcome"] == "walk_in"
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    chance = random.Random(20261125)
    now = utc_now()
    try:
        for _ in range(3):
            async with UnitOfWork(factory, InMemoryEventBus()) as uow:
                ids = list(await uow.session.scalars(select(Booking.id)))
                for booking_id in ids:  # a yard of mixed classes, late vehicles and slots
                    queue_class = chance.choice(list(QueueClass))
                    # Perishables with and without a spoil-by, some of them the same.
                    spoil_by = now + timedelta(hours=chance.randint(0, 5))
                    if queue_class is not QueueClass.PERISHABLE or chance.random() < 0.3:
                        spoil_by = None
                    await uow.session.execute(
                        update(Booking)
                        .where(Booking.id == booking_id)
                        .values(
                            queue_class=queue_class.value,
                            spoil_by=spoil_by,
                            queue_behind=chance.random() < 0.3,
                            slot_start=now - timedelta(hours=chance.randint(0, 2)),
                            arrived_at=now - timedelta(minutes=chance.randint(0, 90)),
                        )
                    )
                await uow.session.commit()
            async with UnitOfWork(factory, InMemoryEventBus()) as uow:
                gate = await gate_by_code(uow, "tan-thanh")
                await uow.session.execute(
                    update(Gate)
                    .where(Gate.id == gate.id)
                    .values(service_cycle="perishable:1,aeo:2,regular:3")
                )
                await uow.session.refresh(gate)
                yard = list(await uow.session.scalars(select(Booking)))
                asked = chance.sample(yard, 25)
                places = await places_in_queue(uow, gate, [(b, i) for i, b in enumerate(asked)])
                cycle = ServiceCycle.parse(gate.service_cycle)
                state = await projections.gate_state(uow, gate, now, timedelta(days=14))
                for direction in ("export", "import"):
                    expected = queue_positions(
                        [entry_of(b) for b in yard if b.direction == direction], cycle, 0
                    )
                    for booking, place in zip(asked, places, strict=True):
                        if booking.direction == direction:
                            assert place == expected[booking.id], booking.id
                    # The boards' head, made from each class's head, is the order's head;
                    # a vehicle beyond it is placed by counting.
                    board = next(d for d in state.directions if d.direction.value == direction)
                    in_order = sorted(expected, key=expected.__getitem__)
                    assert [b.id for b in board.head] == in_order[: projections.OFFICER_QUEUE_HEAD]
                    beyond = await projections._places_beyond_head(uow, asked, {gate.id: state})
                    for booking in asked:
                        if booking.direction == direction:
                            known = board.places.get(booking.id) or beyond[booking.id]
                            assert known == expected[booking.id]
                await uow.session.commit()
    finally:
        await engine.dispose()

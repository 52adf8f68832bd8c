"""Perishables first by deadline (issue 18), on SQLite and PostgreSQL: within the perishable
class the officers' "call next" calls the earliest spoil-by first, in the order
docs/architecture.md documents, and the places the check-in and the boards count from the
queue's counts and index are the places of that order (a property test over random yards)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.bookings import BookingStatus
from gate.domain.events import Actor
from gate.domain.queue import QueueClass
from gate.domain.time import floor_to_slot, utc_now
from gate.gates.calendar import gate_by_code
from gate.live import projections
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork
from gate.yard.places import places_in_queue
from gate.yard.service import call_next, lane_of_gate
from tests.helpers import Api, device, open_all_day, read

CHECKINS = "/api/v1/gates/tan-thanh/checkins"
TRUCKS = 10
OFFICER = Actor("officer", None, "gate_operator")
# Few examples, each a yard of up to ten trucks called one by one: seconds per database.
EXAMPLES = settings(
    max_examples=15,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_NONE_YET = datetime.min.replace(tzinfo=UTC)


def documented_order(truck: Booking) -> tuple[Any, ...]:
    """docs/architecture.md, "Perishables first by deadline": within a class a truck with a
    spoil-by before one without, the earliest spoil-by first; then on time before behind,
    then slot, arrival and id. Written out here, not taken from the code under test."""
    assert truck.arrived_at is not None
    return (
        truck.spoil_by is None,
        truck.spoil_by or _NONE_YET,
        truck.queue_behind,
        truck.slot_start,
        truck.arrived_at,
        truck.id,
    )


@dataclass
class Yard:
    """The gate's trucks (walk-ins checked in once, redrawn by each example) and a way to
    open a unit of work of one's own."""

    ids: list[str]
    uow: Callable[[], UnitOfWork]


@pytest.fixture
async def yard(api: Api, settings: Settings) -> AsyncIterator[Yard]:
    await open_all_day(api, capacity=100)
    camera = await device(api)
    for n in range(TRUCKS):
        answer = await api.client.post(CHECKINS, json=read(f"29H-661.{n:02d}"), headers=camera)
        assert answer.json()["outcome"] == "walk_in"
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    try:
        async with UnitOfWork(factory, InMemoryEventBus()) as uow:
            ids = list(await uow.session.scalars(select(Booking.id).order_by(Booking.id)))
        yield Yard(ids, lambda: UnitOfWork(factory, InMemoryEventBus()))
    finally:
        await engine.dispose()


def _trucks(base: datetime) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Up to TRUCKS perishable trucks: spoil-by in half hours (often the same, sometimes
    none), slot a few hours back or ahead, arrival in quarter hours, some behind."""
    truck = st.fixed_dictionaries(
        {
            "spoil_by": st.one_of(
                st.none(), st.integers(1, 6).map(lambda n: base + n * timedelta(minutes=30))
            ),
            "queue_behind": st.booleans(),
            "slot_start": st.integers(-2, 1).map(lambda h: base + timedelta(hours=h)),
            "arrived_at": st.integers(0, 4).map(lambda q: base - q * timedelta(minutes=15)),
        }
    )
    return st.lists(truck, min_size=1, max_size=TRUCKS)


@EXAMPLES
@given(data=st.data())
async def test_call_next_serves_the_perishables_in_the_documented_order(yard: Yard, data: Any):
    base = floor_to_slot(utc_now())
    drawn = data.draw(_trucks(base))
    waiting_ids = yard.ids[: len(drawn)]
    async with yard.uow() as uow:
        for booking_id, truck in zip(waiting_ids, drawn, strict=False):
            await uow.session.execute(
                update(Booking)
                .where(Booking.id == booking_id)
                .values(
                    status=BookingStatus.ARRIVED.value,
                    queue_class=QueueClass.PERISHABLE.value,
                    called_at=None,
                    lane_id=None,
                    **truck,
                )
            )
        # The other trucks of the fixture are gone from the yard in this example.
        await uow.session.execute(
            update(Booking)
            .where(Booking.id.not_in(waiting_ids))
            .values(status=BookingStatus.EXITED.value)
        )
        await uow.commit()

    async with yard.uow() as uow:
        gate = await gate_by_code(uow, "tan-thanh")
        waiting = list(
            await uow.session.scalars(select(Booking).where(Booking.id.in_(waiting_ids)))
        )
        expected = [b.id for b in sorted(waiting, key=documented_order)]
        # The check-in's places (counts and one range per truck) and the boards' head.
        places = await places_in_queue(uow, gate, [(b, 0) for b in waiting])
        assert {b.id: p for b, p in zip(waiting, places, strict=True)} == {
            booking_id: n for n, booking_id in enumerate(expected, start=1)
        }
        state = await projections.gate_state(uow, gate, utc_now(), timedelta(days=14))
        export = next(d for d in state.directions if d.direction.value == "export")
        assert [b.id for b in export.head] == expected

    called = []
    for _ in expected:
        async with yard.uow() as uow:
            gate = await gate_by_code(uow, "tan-thanh")
            lane = await lane_of_gate(uow, gate, "X1")
            booking = await call_next(uow, gate, lane, OFFICER, utc_now(), force=True)
            assert booking is not None
            called.append(booking.id)
            await uow.commit()
    assert called == expected
    async with yard.uow() as uow:
        gate = await gate_by_code(uow, "tan-thanh")
        lane = await lane_of_gate(uow, gate, "X1")
        assert await call_next(uow, gate, lane, OFFICER, utc_now(), force=True) is None

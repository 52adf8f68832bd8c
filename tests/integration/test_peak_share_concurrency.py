"""The peak share holds under concurrent bookings by the same enterprise (PostgreSQL, where
transactions really run side by side; SQLite serialises writers): its places are counted
under the slot's row lock, so of many attempts at once exactly its share is booked, through
the API (the rush's batches, gate/bookings/together.py) and through the use case one by one
in transactions of their own (gate/bookings/service.py)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gate.bookings.service import BookingRules, Cargo, NewBooking, create_booking
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.errors import DomainError
from gate.domain.events import Actor
from gate.domain.no_shows import DEFAULT_POLICY
from gate.domain.slots import Direction
from gate.domain.time import utc_now
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, open_all_day, tomorrow_at
from tests.no_show_history import record

ATTEMPTS = 8
CAPACITY = 8  # share 0.25 (rate 0.5): 2 places


@pytest.fixture
def backend() -> str:
    return "postgres"


async def _held(uow: UnitOfWork, enterprise_id: str, slot: object) -> int:
    return int(
        await uow.session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.enterprise_id == enterprise_id, Booking.slot_start == slot)
        )
        or 0
    )


async def test_concurrent_api_bookings_of_one_enterprise_hold_its_share(
    api: Api, settings: Settings, uow: UnitOfWork
):
    peak = tomorrow_at(10)
    await open_all_day(api)
    await api.set_capacity(peak, CAPACITY)
    carrier = await api.enterprise()
    await record(settings, carrier, no_shows=5, kept=5)
    bodies = [
        carrier.booking_body(await carrier.vehicle(), await carrier.driver(), peak)
        for _ in range(ATTEMPTS)
    ]

    answers = await asyncio.gather(
        *(api.client.post("/api/v1/bookings", json=b, headers=carrier.headers) for b in bodies)
    )

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 2 + [409] * (ATTEMPTS - 2), statuses
    refused = [a.json()["type"] for a in answers if a.status_code == 409]
    assert set(refused) == {"/problems/peak-share-exceeded"}
    assert await _held(uow, carrier.id, peak) == 2
    assert (await api.slot(peak))["booked"] == 2


async def test_concurrent_transactions_of_one_enterprise_hold_its_share(
    api: Api, settings: Settings, uow: UnitOfWork
):
    peak = tomorrow_at(14)
    await open_all_day(api)
    await api.set_capacity(peak, CAPACITY)
    carrier = await api.enterprise()
    await record(settings, carrier, no_shows=5, kept=5)
    made = [(await carrier.vehicle(), await carrier.driver()) for _ in range(ATTEMPTS)]
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    start = asyncio.Event()

    async def attempt(vehicle_id: str, driver_id: str) -> str:
        new = NewBooking(
            "tan-thanh", Direction.EXPORT, peak, vehicle_id, driver_id, Cargo("Vải thiều", 9000)
        )
        rules = BookingRules(utc_now(), timedelta(days=14), DEFAULT_POLICY)
        await start.wait()
        try:
            async with UnitOfWork(factory, InMemoryEventBus()) as each:
                await create_booking(each, carrier.id, new, rules, Actor("enterprise", carrier.id))
                await each.commit()
        except DomainError as refusal:
            return refusal.code
        return "booked"

    try:
        tasks = [asyncio.create_task(attempt(v["id"], d["id"])) for v, d in made]
        start.set()
        outcomes = await asyncio.gather(*tasks)
    finally:
        await engine.dispose()

    assert sorted(outcomes) == ["booked"] * 2 + ["peak-share-exceeded"] * (ATTEMPTS - 2)
    assert await _held(uow, carrier.id, peak) == 2
    assert (await api.slot(peak))["booked"] == 2

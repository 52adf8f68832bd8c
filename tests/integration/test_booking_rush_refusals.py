"""A rush's batch (gate/bookings/together.py) reads its vehicles, their holders and plates,
the drivers' holders and the busy plates and trailers as rows, on PostgreSQL each list as one
array: the refusals they decide are those one-by-one booking gives, for a trailer an active
booking holds, a trailer an earlier attempt of the batch takes, and another enterprise's
driver."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from gate.bookings.full_slots import FullSlots
from gate.bookings.service import BookingRules, Cargo, NewBooking
from gate.bookings.together import Answer, Attempt, Decider, decide
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.errors import DomainError, NotFound, PlateAlreadyBooked
from gate.domain.events import Actor
from gate.domain.no_shows import DEFAULT_POLICY
from gate.domain.slots import Direction
from gate.domain.time import utc_now
from gate.gates.memory import GateMemory
from gate.store.database import create_engine, create_session_factory
from gate.store.unit_of_work import UnitOfWork
from services.api.bookings.rush import BookingAnswers
from tests.helpers import Api, Enterprise, tomorrow_at


def _attempt(
    enterprise: Enterprise, vehicle: dict[str, Any], driver: str, start: datetime
) -> Attempt:
    new = NewBooking(
        "tan-thanh", Direction.EXPORT, start, vehicle["id"], driver, Cargo("Cà phê, 12 t", 12000)
    )
    return Attempt(
        enterprise.id,
        new,
        BookingRules(utc_now(), timedelta(days=30), DEFAULT_POLICY),
        Actor("enterprise", enterprise.id),
        start,
        None,
        uuid.uuid4().hex,
    )


@pytest.mark.parametrize("careful", [False, True], ids=["together", "one-by-one"])
async def test_busy_trailers_and_strangers_drivers_are_refused_as_one_by_one(
    api: Api, settings: Settings, bus: InMemoryEventBus, careful: bool
):
    slot = tomorrow_at(9)
    await api.set_capacity(slot, 5)
    enterprise, other = await api.enterprise(), await api.enterprise()
    driver = (await enterprise.driver())["id"]
    strangers = (await other.driver())["id"]
    holding = await enterprise.vehicle(trailer_plate="12R-040.01")
    assert (await enterprise.book(slot, holding)).status_code == 201
    behind_it = await enterprise.vehicle(trailer_plate="12R-040.01")  # the booked trailer
    first = await enterprise.vehicle(trailer_plate="12R-040.02")
    second = await enterprise.vehicle(trailer_plate="12R-040.02")  # first's trailer
    plain = await enterprise.vehicle()
    attempts = [
        _attempt(enterprise, behind_it, driver, slot),
        _attempt(enterprise, first, driver, slot),
        _attempt(enterprise, second, driver, slot),
        _attempt(enterprise, plain, strangers, slot),
        _attempt(enterprise, plain, driver, slot),
    ]
    how = Decider(GateMemory(), FullSlots(), BookingAnswers(), timedelta(hours=24))
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), bus) as uow:
            outcomes = (await decide(uow, attempts, how, careful=careful)).outcomes
            await uow.commit()
    finally:
        await engine.dispose()

    kinds = [type(outcome) for outcome in outcomes]
    assert kinds == [PlateAlreadyBooked, Answer, PlateAlreadyBooked, NotFound, Answer]
    refusals = [o for o in outcomes if isinstance(o, DomainError)]
    assert [r.detail for r in refusals] == [
        "trailer 12R-040.01 already has an active booking (behind another tractor); "
        "reschedule or cancel that booking first",
        "trailer 12R-040.02 already has an active booking (behind another tractor); "
        "reschedule or cancel that booking first",
        "no such driver",
    ]
    assert (await api.slot(slot))["booked"] == 3

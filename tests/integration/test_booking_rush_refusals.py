"""A rush's batch (gate/bookings/together.py) reads its vehicles, their holders and plates,
the drivers' holders and the busy plates and trailers as rows, on PostgreSQL each list as one
array: the refusals they decide are those one-by-one booking gives, for a trailer an active
booking holds, a trailer an earlier attempt of the batch takes, and another enterprise's
driver."""

from __future__ import annotations

import pytest

from gate.bookings.service import Cargo
from gate.bookings.together import Answer
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.errors import DomainError, NotFound, PlateAlreadyBooked
from tests.booking_batches import attempt, decided
from tests.helpers import Api, tomorrow_at

CARGO = Cargo("Cà phê, 12 t", 12000)


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
        attempt(enterprise, behind_it, driver, slot, CARGO),
        attempt(enterprise, first, driver, slot, CARGO),
        attempt(enterprise, second, driver, slot, CARGO),
        attempt(enterprise, plain, strangers, slot, CARGO),
        attempt(enterprise, plain, driver, slot, CARGO),
    ]
    outcomes = await decided(settings, bus, attempts, careful=careful)

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

"""A rush on one slot (issue 20's acceptance, the booking side): N attempts on a slot with K
places confirm exactly min(N, K), whether they come one at a time or all at once, and never
answer 5xx; one at a time, the first K are the ones confirmed (first come, first served).
Through the API, as an enterprise's system books; the rush decided in batches must keep this.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from gate.config import Settings
from gate.store.tables import Booking, Slot
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, Enterprise, open_all_day, tomorrow_at

# Each example makes up to 2 x 8 vehicles and drivers through the API: a few examples keep the
# test well under a minute per database. The fixtures are shared by the examples on purpose:
# each example books slots of its own (``_slots``).
RUSHES = settings(
    max_examples=8,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_hours = itertools.count()


def _next_slot() -> datetime:
    """A slot no example booked before: an hour from 06:00 to 17:00, from tomorrow on."""
    n = next(_hours)
    return tomorrow_at(6 + n % 12, days=1 + n // 12)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # An example's enterprise writes up to 48 vehicles, drivers and bookings in a second or
    # two: on a quiet machine past the booking write limit (60 a second), answered 429.
    return dataclasses.replace(settings, booking_write_limit="100000/second")


@pytest.fixture
async def enterprise(api: Api) -> Enterprise:
    await open_all_day(api)
    return await api.enterprise()


async def _bodies(enterprise: Enterprise, slot: datetime, attempts: int) -> list[dict[str, Any]]:
    """Everything but the booking made first, so that the rush is on the slot alone."""
    return [
        enterprise.booking_body(await enterprise.vehicle(), await enterprise.driver(), slot)
        for _ in range(attempts)
    ]


async def _booked(uow: UnitOfWork, slot: datetime) -> tuple[int, int]:
    """The slot's counter and the count of its active bookings."""
    await uow.session.rollback()
    counter = await uow.session.scalar(select(Slot.booked).where(Slot.starts_at == slot))
    rows = await uow.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.slot_start == slot, Booking.status == "booked")
    )
    return int(counter or 0), int(rows or 0)


@RUSHES
@given(attempts=st.integers(1, 8), capacity=st.integers(1, 5))
async def test_a_rush_confirms_exactly_the_places_one_at_a_time_or_all_at_once(
    api: Api, enterprise: Enterprise, uow: UnitOfWork, attempts: int, capacity: int
) -> None:
    confirmed = min(attempts, capacity)
    in_turn, at_once = _next_slot(), _next_slot()
    for slot in (in_turn, at_once):
        await api.set_capacity(slot, capacity)
    post = api.client.post

    bodies = await _bodies(enterprise, in_turn, attempts)
    one_by_one = [
        await post("/api/v1/bookings", json=b, headers=enterprise.headers) for b in bodies
    ]
    assert [r.status_code for r in one_by_one] == [201] * confirmed + [409] * (attempts - confirmed)
    first = [r.json()["vehicle_id"] for r in one_by_one[:confirmed]]
    assert first == [b["vehicle_id"] for b in bodies[:confirmed]]  # first come, first served
    assert all(r.json()["type"] == "/problems/slot-full" for r in one_by_one[confirmed:])
    assert await _booked(uow, in_turn) == (confirmed, confirmed)

    bodies = await _bodies(enterprise, at_once, attempts)
    rush = await asyncio.gather(
        *(post("/api/v1/bookings", json=b, headers=enterprise.headers) for b in bodies)
    )
    statuses = sorted(r.status_code for r in rush)
    assert statuses == [201] * confirmed + [409] * (attempts - confirmed)
    assert all(r.json()["type"] == "/problems/slot-full" for r in rush if r.status_code == 409)
    assert await _booked(uow, at_once) == (confirmed, confirmed)

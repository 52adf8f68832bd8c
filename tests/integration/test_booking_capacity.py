"""Capacity is never oversold, whatever the concurrency, on PostgreSQL and on SQLite."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from gate.store.tables import Booking, Slot
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, tomorrow_at

CAPACITY = 5


@pytest.mark.parametrize("attempts", [CAPACITY - 1, CAPACITY, 10 * CAPACITY])
async def test_concurrent_bookings_never_oversell_a_slot(api: Api, uow: UnitOfWork, attempts: int):
    slot = tomorrow_at(10)
    await api.set_capacity(slot, CAPACITY)
    enterprise = await api.enterprise()
    # Everything but the booking itself is prepared first, so the race is on the slot alone.
    bodies = [
        enterprise.booking_body(await enterprise.vehicle(), await enterprise.driver(), slot)
        for _ in range(attempts)
    ]

    responses = await asyncio.gather(
        *(
            api.client.post("/api/v1/bookings", json=body, headers=enterprise.headers)
            for body in bodies
        )
    )

    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == min(attempts, CAPACITY)
    refused = [r for r in responses if r.status_code != 201]
    assert all(r.status_code == 409 for r in refused), statuses
    assert all(r.json()["type"] == "/problems/slot-full" for r in refused)
    assert all(r.headers["content-type"].startswith("application/problem+json") for r in refused)

    stored = await uow.session.scalar(select(Slot).where(Slot.starts_at == slot))
    rows = await uow.session.scalar(
        select(func.count()).select_from(Booking).where(Booking.slot_start == slot)
    )
    assert stored is not None
    assert stored.booked == rows == min(attempts, CAPACITY) <= stored.capacity
    public = await api.slot(slot)
    assert public["booked"] == min(attempts, CAPACITY)
    assert public["remaining"] == CAPACITY - min(attempts, CAPACITY)


async def test_a_full_slot_refuses_with_slot_full_and_a_freed_place_can_be_taken(api: Api):
    slot = tomorrow_at(11)
    await api.set_capacity(slot, 1)
    enterprise = await api.enterprise()
    first = await enterprise.book(slot)
    assert first.status_code == 201
    refused = await enterprise.book(slot)
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/slot-full"

    cancelled = await api.client.post(
        f"/api/v1/bookings/{first.json()['id']}/cancel", json={}, headers=enterprise.headers
    )
    assert cancelled.status_code == 200
    assert (await api.slot(slot))["remaining"] == 1
    assert (await enterprise.book(slot)).status_code == 201


async def test_cannot_book_a_closed_slot(api: Api):
    slot = tomorrow_at(12)
    enterprise = await api.enterprise()
    await api.set_capacity(slot, 0)
    response = await enterprise.book(slot)
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/slot-closed"

"""A retried booking write makes one booking and gets the first answer back."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, tomorrow_at


async def _count_bookings(uow: UnitOfWork) -> int:
    await uow.session.rollback()  # a fresh snapshot
    return int(await uow.session.scalar(select(func.count()).select_from(Booking)) or 0)


async def test_the_same_key_and_body_five_times_make_one_booking_and_five_identical_answers(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    body = enterprise.booking_body(
        await enterprise.vehicle(), await enterprise.driver(), tomorrow_at(9)
    )
    headers = {**enterprise.headers, "Idempotency-Key": "erp-order-4711"}

    answers = [
        await api.client.post("/api/v1/bookings", json=body, headers=headers) for _ in range(5)
    ]

    assert {a.status_code for a in answers} == {201}
    assert len({a.content for a in answers}) == 1
    assert answers[0].headers.get("Idempotent-Replayed") is None
    assert all(a.headers["Idempotent-Replayed"] == "true" for a in answers[1:])
    assert await _count_bookings(uow) == 1
    assert (await api.slot(tomorrow_at(9)))["booked"] == 1


async def test_the_same_key_sent_five_times_concurrently_makes_one_booking(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    body = enterprise.booking_body(
        await enterprise.vehicle(), await enterprise.driver(), tomorrow_at(10)
    )
    headers = {**enterprise.headers, "Idempotency-Key": "concurrent-retry"}

    answers = await asyncio.gather(
        *(api.client.post("/api/v1/bookings", json=body, headers=headers) for _ in range(5))
    )

    assert [a.status_code for a in answers] == [201] * 5
    assert len({a.content for a in answers}) == 1
    assert await _count_bookings(uow) == 1
    assert (await api.slot(tomorrow_at(10)))["booked"] == 1


async def test_the_same_key_with_another_body_is_refused_with_422_and_changes_nothing(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    vehicle, driver = await enterprise.vehicle(), await enterprise.driver()
    headers = {**enterprise.headers, "Idempotency-Key": "reused-key"}
    first = enterprise.booking_body(vehicle, driver, tomorrow_at(11))
    other = enterprise.booking_body(vehicle, driver, tomorrow_at(12))

    assert (
        await api.client.post("/api/v1/bookings", json=first, headers=headers)
    ).status_code == 201
    refused = await api.client.post("/api/v1/bookings", json=other, headers=headers)

    assert refused.status_code == 422
    assert refused.json()["type"] == "/problems/idempotency-key-reused"
    assert await _count_bookings(uow) == 1
    assert (await api.slot(tomorrow_at(12)))["booked"] == 0


async def test_idempotency_keys_belong_to_one_enterprise(api: Api, uow: UnitOfWork):
    first, second = await api.enterprise(), await api.enterprise()
    for enterprise in (first, second):
        body = enterprise.booking_body(
            await enterprise.vehicle(), await enterprise.driver(), tomorrow_at(13)
        )
        headers = {**enterprise.headers, "Idempotency-Key": "shared-key-name"}
        answer = await api.client.post("/api/v1/bookings", json=body, headers=headers)
        assert answer.status_code == 201, answer.text
        assert answer.headers.get("Idempotent-Replayed") is None
    assert await _count_bookings(uow) == 2


async def test_a_refusal_is_replayed_too_and_a_retry_does_not_book_a_freed_place(
    api: Api, uow: UnitOfWork
):
    slot = tomorrow_at(14)
    await api.set_capacity(slot, 1)
    enterprise = await api.enterprise()
    taken = await enterprise.book(slot)
    body = enterprise.booking_body(await enterprise.vehicle(), await enterprise.driver(), slot)
    headers = {**enterprise.headers, "Idempotency-Key": "late-comer"}

    full = await api.client.post("/api/v1/bookings", json=body, headers=headers)
    await api.client.post(
        f"/api/v1/bookings/{taken.json()['id']}/cancel", json={}, headers=enterprise.headers
    )
    retry = await api.client.post("/api/v1/bookings", json=body, headers=headers)

    assert full.status_code == retry.status_code == 409
    assert full.content == retry.content
    assert (await api.slot(slot))["booked"] == 0


async def test_a_cancel_retried_with_its_key_answers_the_same(api: Api):
    enterprise = await api.enterprise()
    booking = (await enterprise.book(tomorrow_at(15))).json()
    headers = {**enterprise.headers, "Idempotency-Key": "cancel-1"}
    url = f"/api/v1/bookings/{booking['id']}/cancel"
    answers = [
        await api.client.post(url, json={"reason": "truck broke down"}, headers=headers)
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [200] * 3
    assert len({a.content for a in answers}) == 1
    assert answers[0].json()["status"] == "cancelled"

"""Reschedule and cancel: places move in one transaction, versions guard against lost updates,
and events go out only after commit."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from gate.bus.events import InMemoryEventBus
from gate.store.tables import Booking, Slot
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, tomorrow_at


async def test_rescheduling_takes_the_new_place_and_frees_the_old_one(api: Api):
    enterprise = await api.enterprise()
    booking = (await enterprise.book(tomorrow_at(9))).json()

    moved = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/reschedule",
        json={"slot_start": tomorrow_at(15).isoformat(), "version": booking["version"]},
        headers=enterprise.headers,
    )

    assert moved.status_code == 200, moved.text
    assert moved.json()["slot_start"] == tomorrow_at(15).isoformat()
    assert moved.json()["version"] == booking["version"] + 1
    assert (await api.slot(tomorrow_at(9)))["booked"] == 0
    assert (await api.slot(tomorrow_at(15)))["booked"] == 1


async def test_rescheduling_against_an_old_version_is_a_409_conflict(api: Api):
    enterprise = await api.enterprise()
    booking = (await enterprise.book(tomorrow_at(9))).json()
    url = f"/api/v1/bookings/{booking['id']}/reschedule"
    first = {"slot_start": tomorrow_at(10).isoformat(), "version": 1}
    stale = {"slot_start": tomorrow_at(11).isoformat(), "version": 1}

    assert (await api.client.post(url, json=first, headers=enterprise.headers)).status_code == 200
    refused = await api.client.post(url, json=stale, headers=enterprise.headers)

    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/version-conflict"
    assert refused.json()["current_version"] == 2
    assert (await api.slot(tomorrow_at(11)))["booked"] == 0


async def test_two_concurrent_reschedules_of_one_version_let_one_win(api: Api):
    enterprise = await api.enterprise()
    booking = (await enterprise.book(tomorrow_at(9))).json()
    url = f"/api/v1/bookings/{booking['id']}/reschedule"
    answers = await asyncio.gather(
        *(
            api.client.post(
                url,
                json={"slot_start": tomorrow_at(h).isoformat(), "version": 1},
                headers=enterprise.headers,
            )
            for h in (10, 11, 12, 13)
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    places = [(await api.slot(tomorrow_at(h)))["booked"] for h in (9, 10, 11, 12, 13)]
    assert sorted(places) == [0, 0, 0, 0, 1]


async def test_rescheduling_into_a_full_slot_keeps_the_booking_where_it_was(api: Api):
    enterprise = await api.enterprise()
    await api.set_capacity(tomorrow_at(10), 1)
    await enterprise.book(tomorrow_at(10))
    booking = (await enterprise.book(tomorrow_at(9))).json()

    refused = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/reschedule",
        json={"slot_start": tomorrow_at(10).isoformat(), "version": 1},
        headers=enterprise.headers,
    )

    assert refused.status_code == 409 and refused.json()["type"] == "/problems/slot-full"
    again = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers)
    assert again.json() == booking
    assert (await api.slot(tomorrow_at(9)))["booked"] == 1


async def test_a_cancelled_booking_cannot_be_rescheduled(api: Api):
    enterprise = await api.enterprise()
    booking = (await enterprise.book(tomorrow_at(9))).json()
    cancelled = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=enterprise.headers
    )
    refused = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/reschedule",
        json={"slot_start": tomorrow_at(10).isoformat(), "version": cancelled.json()["version"]},
        headers=enterprise.headers,
    )
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/invalid-transition"


async def test_cancelling_twice_frees_one_place_only(api: Api):
    enterprise = await api.enterprise()
    await enterprise.book(tomorrow_at(9))
    booking = (await enterprise.book(tomorrow_at(9))).json()
    url = f"/api/v1/bookings/{booking['id']}/cancel"
    answers = await asyncio.gather(
        *(api.client.post(url, json={}, headers=enterprise.headers) for _ in range(4))
    )
    assert {a.status_code for a in answers} == {200}
    assert (await api.slot(tomorrow_at(9)))["booked"] == 1


async def test_events_are_published_after_commit_and_never_for_refusals(
    api: Api, bus: InMemoryEventBus
):
    enterprise = await api.enterprise()
    await api.set_capacity(tomorrow_at(9), 1)
    booking = (await enterprise.book(tomorrow_at(9))).json()
    assert (await enterprise.book(tomorrow_at(9))).status_code == 409
    await api.client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=enterprise.headers
    )
    changes = [event for event in bus.published if "booking_id" in event]
    assert [event["event"] for event in changes] == ["booking.created", "booking.cancelled"]
    assert all(event["booking_id"] == booking["id"] for event in changes)


async def test_listing_pages_through_own_bookings_in_slot_order_with_filters(api: Api):
    enterprise = await api.enterprise()
    ids = [(await enterprise.book(tomorrow_at(h))).json()["id"] for h in (12, 9, 10)]
    await api.client.post(f"/api/v1/bookings/{ids[2]}/cancel", json={}, headers=enterprise.headers)

    first = await api.client.get(
        "/api/v1/bookings", params={"limit": 2}, headers=enterprise.headers
    )
    second = await api.client.get(
        "/api/v1/bookings",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
        headers=enterprise.headers,
    )
    booked = await api.client.get(
        "/api/v1/bookings", params={"status": "booked"}, headers=enterprise.headers
    )

    assert [b["id"] for b in first.json()["items"]] == [ids[1], ids[2]]
    assert [b["id"] for b in second.json()["items"]] == [ids[0]]
    assert second.json()["next_cursor"] is None
    assert {b["id"] for b in booked.json()["items"]} == {ids[0], ids[1]}


async def test_twenty_concurrent_reschedules_in_opposite_directions_all_succeed_and_keep_counts(
    api: Api, uow: UnitOfWork
):
    # Ten bookings move 07:00 -> 10:00 while ten others move 10:00 -> 07:00, all at once: each
    # transaction locks both slot rows, so without one lock order PostgreSQL deadlocks them.
    early, late = tomorrow_at(7), tomorrow_at(10)
    await api.set_capacity(early, 20)
    await api.set_capacity(late, 20)
    enterprise = await api.enterprise()
    moves = []
    for source, target in [(early, late)] * 10 + [(late, early)] * 10:
        booking = await enterprise.book(source)
        assert booking.status_code == 201, booking.text
        moves.append((booking.json(), target))

    answers = await asyncio.gather(
        *(
            api.client.post(
                f"/api/v1/bookings/{booking['id']}/reschedule",
                json={"slot_start": target.isoformat(), "version": booking["version"]},
                headers=enterprise.headers,
            )
            for booking, target in moves
        )
    )

    statuses = [a.status_code for a in answers]
    assert statuses == [200] * 20, [(a.status_code, a.text[:120]) for a in answers]
    for hour in (early, late):
        slot = await uow.session.scalar(select(Slot).where(Slot.starts_at == hour))
        rows = await uow.session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.slot_id == slot.id, Booking.active_plate.is_not(None))
        )
        assert slot.booked == rows == 10


def test_a_deadlock_that_still_happens_is_answered_503_with_retry_after_not_500():
    from unittest.mock import MagicMock

    from sqlalchemy.exc import DBAPIError

    from services.common.problems import on_unexpected_error

    class Deadlock(Exception):
        sqlstate = "40P01"

    request = MagicMock()
    request.url.path = "/api/v1/bookings/x/reschedule"
    answer = on_unexpected_error(request, DBAPIError("UPDATE slots", {}, Deadlock()))
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"

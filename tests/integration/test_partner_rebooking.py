"""Capacity follows the other side, and the bookings follow it fairly (issue 18's first
acceptance point), on both databases: the partner gate's announced cut below an hour's
bookings moves exactly its last booked to the earliest later hours with room, never over
capacity, each told once (a booking.rebooked webhook), even with bookings arriving while the
announcement is recorded; a withdrawal that uncovers a lower announcement rebooks too; an
accepted move and a chosen other hour both land."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.helpers import admin, this_hour
from tests.rebooking_world import (
    KIND,
    World,
    assert_fairly_rebooked,
    at_utc,
    book,
    get_booking,
)

ANNOUNCE = "/api/v1/gates/tan-thanh/partner-announcements"


async def _announce(world: World, hour: datetime, capacity: int, hours: int = 1) -> Any:
    body = {
        "direction": "export",
        "starts_at": hour.isoformat(),
        "ends_at": (hour + timedelta(hours=hours)).isoformat(),
        "capacity": capacity,
        "source": "letter",
        "reference": "CV 7/CK-PX",
    }
    return await world.api.client.post(ANNOUNCE, json=body, headers=admin())


async def test_a_partner_cut_moves_exactly_the_last_booked_to_the_earliest_free_hours(
    world: World,
):
    company = await world.api.enterprise(key_scope="manager")
    hook = {"url": "http://127.0.0.1:9/hooks", "event_types": [KIND]}
    made = await world.api.client.post(
        "/api/v1/webhooks/endpoints", json=hook, headers=company.headers
    )
    assert made.status_code == 201, made.text
    hour = this_hour(3)
    first, second, third = [await book(company, hour) for _ in range(3)]
    await book(company, hour + timedelta(hours=1))  # two places left there

    answer = await _announce(world, hour, 1)

    assert answer.status_code == 201, answer.text
    assert (answer.json()["bookings_moved"], answer.json()["bookings_cancelled"]) == (2, 0)
    kept, moved_first, moved_second = [
        await get_booking(company, b) for b in (first, second, third)
    ]
    assert at_utc(kept["slot_start"]) == hour.astimezone(UTC) and kept["version"] == 1
    for moved in (moved_first, moved_second):
        assert at_utc(moved["slot_start"]) == (hour + timedelta(hours=1)).astimezone(UTC)
        assert at_utc(moved["rebooked_from"]) == hour.astimezone(UTC)
    deliveries = await world.expand()
    assert sorted(d.payload["data"]["booking_id"] for d in deliveries) == sorted(
        [second["id"], third["id"]]
    )
    assert {d.payload["data"]["cause"] for d in deliveries} == {"partner"}
    again = await world.expand()  # told once: a second round adds nothing
    assert sorted(d.id for d in again) == sorted(d.id for d in deliveries)

    # The enterprise accepts one move and chooses another hour for the other: both land.
    accepted = await world.api.client.post(
        f"/api/v1/bookings/{second['id']}/rebooking/accept",
        json={"version": moved_first["version"]},
        headers=company.headers,
    )
    assert accepted.status_code == 200, accepted.text
    later = hour + timedelta(hours=4)
    chosen = await world.api.client.post(
        f"/api/v1/bookings/{third['id']}/rebooking/choose",
        json={"slot_start": later.isoformat(), "version": moved_second["version"]},
        headers=company.headers,
    )
    assert chosen.status_code == 200, chosen.text
    assert at_utc((await get_booking(company, third))["slot_start"]) == later.astimezone(UTC)
    assert at_utc((await get_booking(company, second))["slot_start"]) == (
        hour + timedelta(hours=1)
    ).astimezone(UTC)


async def test_a_withdrawal_that_uncovers_a_lower_announcement_rebooks(world: World):
    company = await world.api.enterprise()
    hour = this_hour(3)
    booked = [await book(company, hour) for _ in range(3)]
    lower = await _announce(world, hour, 1, hours=2)
    assert lower.json()["bookings_moved"] == 2
    # A later, higher announcement over the same hour does not bring the moved back.
    higher = await _announce(world, hour, 3)
    assert higher.json()["bookings_moved"] == 0
    moved_back = await book(company, hour)  # the hour has room again: a new booking takes it

    withdrawn = await world.api.client.post(
        f"{ANNOUNCE}/{higher.json()['id']}/withdraw",
        json={"reason": "sent by mistake"},
        headers=admin(),
    )

    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["bookings_moved"] == 1  # the lower one holds again: 2 → 1
    still = await get_booking(company, booked[0])
    assert at_utc(still["slot_start"]) == hour.astimezone(UTC)
    assert at_utc((await get_booking(company, moved_back))["rebooked_from"]) == hour.astimezone(UTC)


async def test_bookings_arriving_during_a_partner_cut_never_overfill(world: World):
    """Bookings for the cut hour and the next race the partner's announcement (really
    concurrently on PostgreSQL; SQLite serialises the writers): no hour ends with more
    bookings than places, the first booked of the hour keeps it, every later holder of it
    left, and each move is told once."""
    companies = [await world.api.enterprise() for _ in range(3)]
    hour = this_hour(3)
    for company in companies[:2]:
        await book(company, hour)
    vehicles = [[await c.vehicle() for _ in range(2)] for c in companies]

    async def booked_by(company: int, at: datetime, n: int) -> int:
        answer = await companies[company].book(at, vehicle=vehicles[company][n])
        return answer.status_code

    answers = await asyncio.gather(
        booked_by(0, hour, 0),
        _announce(world, hour, 1),
        booked_by(1, hour, 0),
        booked_by(2, hour, 0),
        booked_by(2, hour + timedelta(hours=1), 1),
        booked_by(0, hour + timedelta(hours=1), 1),
    )
    codes = [a if isinstance(a, int) else a.status_code for a in answers]
    assert all(code in (201, 409) for code in codes), codes

    await assert_fairly_rebooked(world, hour)

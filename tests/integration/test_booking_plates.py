"""One active booking per plate, whatever its spelling and whoever books it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from gate.domain.time import utc_now
from tests.helpers import Api, tomorrow_at


async def test_a_second_active_booking_for_the_same_plate_is_refused_with_409(api: Api):
    enterprise = await api.enterprise()
    vehicle = await enterprise.vehicle("12C-555.01")
    assert (await enterprise.book(tomorrow_at(9), vehicle)).status_code == 201

    again = await enterprise.book(tomorrow_at(10), vehicle)

    assert again.status_code == 409
    assert again.json()["type"] == "/problems/plate-already-booked"
    assert (await api.slot(tomorrow_at(10)))["booked"] == 0


async def test_a_grantee_cannot_book_a_truck_its_holder_has_booked_at_another_gate(api: Api):
    # A plate is held by one enterprise (tests/integration/test_vehicle_holders.py); another
    # enterprise books it under a grant, and still not while the truck is booked.
    forwarder, exporter = await api.enterprise(), await api.enterprise()
    truck = await forwarder.vehicle("12C-555.02")
    assert truck["plate_normalised"] == "12C55502"
    granted = await forwarder.grant(truck, exporter, utc_now() + timedelta(days=3))
    assert granted.status_code == 201
    assert (await forwarder.book(tomorrow_at(9), truck)).status_code == 201

    refused = await exporter.book(tomorrow_at(11), truck, gate="huu-nghi")

    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/plate-already-booked"


async def test_a_plate_is_registered_once_per_enterprise_in_any_spelling(api: Api):
    enterprise = await api.enterprise()
    await enterprise.vehicle("29H-123.45")
    again = await api.client.post(
        "/api/v1/vehicles",
        json={"plate": "29h12345", "vehicle_type": "truck"},
        headers=enterprise.headers,
    )
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/already-exists"


async def test_concurrent_bookings_of_one_plate_let_exactly_one_win(api: Api):
    first, second = await api.enterprise(), await api.enterprise()
    truck = await first.vehicle("12C-555.03")
    await first.grant(truck, second, utc_now() + timedelta(days=3))
    bodies = [
        (first, first.booking_body(truck, await first.driver(), tomorrow_at(9))),
        (second, second.booking_body(truck, await second.driver(), tomorrow_at(10))),
    ] * 3
    answers = await asyncio.gather(
        *(api.client.post("/api/v1/bookings", json=b, headers=e.headers) for e, b in bodies)
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 409, 409, 409, 409, 409]
    booked = (await api.slot(tomorrow_at(9)))["booked"] + (await api.slot(tomorrow_at(10)))[
        "booked"
    ]
    assert booked == 1


async def test_a_cancelled_booking_frees_its_plate(api: Api):
    enterprise = await api.enterprise()
    vehicle = await enterprise.vehicle("12C-555.04")
    booking = (await enterprise.book(tomorrow_at(9), vehicle)).json()
    await api.client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=enterprise.headers
    )
    assert (await enterprise.book(tomorrow_at(10), vehicle)).status_code == 201

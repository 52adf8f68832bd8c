"""A truck has one carrier: a plate is held by one enterprise, which may let shippers book it
by a grant; only the administration moves a truck to another holder."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from gate.config import Settings
from gate.domain.no_shows import DEFAULT_POLICY
from gate.domain.time import utc_now
from gate.store.tables import AuditLogEntry
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import (
    Api,
    Enterprise,
    admin,
    device,
    open_all_day,
    read,
    this_hour,
    tomorrow_at,
    unique_plate,
)
from tests.integration.test_audit_log import _verify

GRANTS = "/api/v1/vehicle-grants"
TRANSFERS = "/api/v1/vehicle-transfers"


def in_days(days: float) -> Any:
    return utc_now() + timedelta(days=days)


async def _book(shipper: Enterprise, vehicle: dict[str, Any], hour: int = 9) -> Any:
    return await shipper.book(tomorrow_at(hour), vehicle)


def _names_no_enterprise(body: str, *enterprises: Enterprise) -> None:
    for enterprise in enterprises:
        assert enterprise.id not in body
        assert enterprise.tax_code not in body
    assert "Công ty" not in body


async def _transfer(
    api: Api, vehicle: dict[str, Any], to: Enterprise, number: str, **headers: str
) -> Any:
    body = {
        "plate": vehicle["plate"],
        "new_holder_id": to.id,
        "registration_number": number,
        "reason": "bán xe theo hợp đồng mua bán số 12/2026",
    }
    return await api.client.post(TRANSFERS, json=body, headers=headers or admin())


async def test_an_enterprise_cannot_register_a_plate_another_enterprise_holds(api: Api):
    carrier, other = await api.enterprise(), await api.enterprise()
    await carrier.vehicle("12C-777.01")

    refused = await api.client.post(
        "/api/v1/vehicles",
        json={"plate": "12c 777-01", "vehicle_type": "truck"},
        headers=other.headers,
    )

    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/vehicle-held-by-another"
    _names_no_enterprise(refused.text, carrier)
    assert (await api.client.get("/api/v1/vehicles", headers=other.headers)).json() == []


async def test_an_enterprise_cannot_book_another_enterprises_truck_without_a_grant(api: Api):
    carrier, shipper = await api.enterprise(), await api.enterprise()
    truck = await carrier.vehicle()

    refused = await _book(shipper, truck)
    unknown = await _book(shipper, {**truck, "id": "no-such-vehicle"})

    assert refused.status_code == unknown.status_code == 404
    assert refused.json()["type"] == "/problems/not-found"
    assert refused.json()["detail"] == unknown.json()["detail"]
    assert (await api.slot(tomorrow_at(9)))["booked"] == 0


async def test_with_a_grant_a_shipper_books_the_carriers_truck_with_its_own_driver(api: Api):
    carrier, shipper = await api.enterprise(), await api.enterprise()
    truck = await carrier.vehicle()
    assert (await carrier.grant(truck, shipper, in_days(7))).status_code == 201

    booked = await _book(shipper, truck)

    assert booked.status_code == 201, booked.text
    assert booked.json()["plate"] == truck["plate"]
    mine = (await api.client.get("/api/v1/bookings", headers=shipper.headers)).json()["items"]
    assert [b["id"] for b in mine] == [booked.json()["id"]]
    theirs = await api.client.get("/api/v1/bookings", headers=carrier.headers)
    assert theirs.json()["items"] == []
    # The driver is the booking enterprise's own: the carrier's is not the shipper's to name.
    carriers_driver = await carrier.driver()
    body = shipper.booking_body(truck, carriers_driver, tomorrow_at(11), gate="huu-nghi")
    answer = await api.client.post("/api/v1/bookings", json=body, headers=shipper.headers)
    assert answer.status_code == 404


async def test_the_holder_and_a_grantee_cannot_both_hold_an_active_booking_of_the_truck(api: Api):
    carrier, shipper = await api.enterprise(), await api.enterprise()
    truck = await carrier.vehicle()
    await carrier.grant(truck, shipper, in_days(7))
    assert (await _book(carrier, truck)).status_code == 201

    refused = await _book(shipper, truck, hour=11)

    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/plate-already-booked"


async def test_revoking_a_grant_stops_new_bookings_and_keeps_those_made(api: Api):
    carrier, shipper = await api.enterprise(), await api.enterprise()
    truck = await carrier.vehicle()
    grant = (await carrier.grant(truck, shipper, in_days(7))).json()
    made = (await _book(shipper, truck)).json()

    revoked = await api.client.post(f"{GRANTS}/{grant['id']}/revoke", headers=carrier.headers)

    assert revoked.status_code == 200
    assert revoked.json()["live"] is False
    kept = await api.client.get(f"/api/v1/bookings/{made['id']}", headers=shipper.headers)
    assert kept.json()["status"] == "booked"
    await api.client.post(f"/api/v1/bookings/{made['id']}/cancel", json={}, headers=shipper.headers)
    refused = await _book(shipper, truck, hour=11)
    assert refused.status_code == 404
    assert refused.json()["type"] == "/problems/not-found"


async def test_only_the_holder_revokes_its_grant(api: Api):
    carrier, shipper = await api.enterprise(), await api.enterprise()
    truck = await carrier.vehicle()
    grant = (await carrier.grant(truck, shipper, in_days(7))).json()

    for stranger in (shipper, await api.enterprise()):
        answer = await api.client.post(f"{GRANTS}/{grant['id']}/revoke", headers=stranger.headers)
        assert answer.status_code == 404
    assert (await _book(shipper, truck)).status_code == 201


async def test_an_expired_grant_does_not_allow_booking(
    api: Api, settings: Settings, uow: UnitOfWork
):
    from gate.bookings.service import BookingRules, Cargo, NewBooking, create_booking
    from gate.bus.events import InMemoryEventBus
    from gate.domain.errors import NotFound
    from gate.domain.events import Actor
    from gate.domain.slots import Direction
    from gate.store.database import create_engine, create_session_factory

    carrier, shipper = await api.enterprise(), await api.enterprise()
    truck = await carrier.vehicle()
    until = tomorrow_at(8)
    assert (await carrier.grant(truck, shipper, until)).status_code == 201
    driver = await shipper.driver()
    engine = create_engine(settings)

    async def book_at(now: Any) -> str:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as unit:
            new = NewBooking(
                "tan-thanh",
                Direction.EXPORT,
                tomorrow_at(12),
                truck["id"],
                driver["id"],
                Cargo("Hàng tổng hợp", 12000),
            )
            rules = BookingRules(now=now, horizon=timedelta(days=14), no_shows=DEFAULT_POLICY)
            actor = Actor("enterprise", shipper.id, "enterprise")
            booking = await create_booking(unit, shipper.id, new, rules, actor)
            code = booking.code
            await unit.rollback()
            return code

    try:
        with pytest.raises(NotFound):
            await book_at(until)
        with pytest.raises(NotFound):
            await book_at(until + timedelta(hours=1))
        assert await book_at(until - timedelta(minutes=1))
    finally:
        await engine.dispose()
    received = (await api.client.get(f"{GRANTS}/received", headers=shipper.headers)).json()
    assert [g["live"] for g in received] == [True]


async def test_a_grant_for_a_truck_you_do_not_hold_is_refused(api: Api):
    carrier, shipper, stranger = [await api.enterprise() for _ in range(3)]
    truck = await carrier.vehicle()

    refused = await stranger.grant(truck, shipper, in_days(7))

    assert refused.status_code == 404
    assert refused.json()["type"] == "/problems/not-found"
    assert (await _book(shipper, truck)).status_code == 404
    listed = await api.client.get(f"{GRANTS}/received", headers=shipper.headers)
    assert listed.json() == []


@pytest.mark.parametrize(
    ("days", "why"), [(-1, "in the past"), (0, "now"), (181, "beyond the horizon")]
)
async def test_a_grant_must_end_in_the_future_within_the_horizon(api: Api, days: int, why: str):
    carrier, shipper = await api.enterprise(), await api.enterprise()
    truck = await carrier.vehicle()

    refused = await carrier.grant(truck, shipper, in_days(days))

    assert refused.status_code == 422, why
    assert refused.json()["field"] == "valid_until"


async def test_a_grant_to_oneself_or_a_second_live_grant_is_refused(api: Api):
    carrier, shipper = await api.enterprise(), await api.enterprise()
    truck = await carrier.vehicle()
    assert (await carrier.grant(truck, carrier, in_days(7))).status_code == 422
    assert (await carrier.grant(truck, shipper, in_days(7))).status_code == 201

    again = await carrier.grant(truck, shipper, in_days(9))

    assert again.status_code == 409
    assert again.json()["type"] == "/problems/already-exists"


async def test_a_retried_grant_with_the_same_idempotency_key_gives_one_grant(api: Api):
    carrier, shipper = await api.enterprise(), await api.enterprise()
    truck = await carrier.vehicle()
    until = in_days(7)

    first = await carrier.grant(truck, shipper, until, **{"Idempotency-Key": "grant-1"})
    retry = await carrier.grant(truck, shipper, until, **{"Idempotency-Key": "grant-1"})

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    given = (await api.client.get(f"{GRANTS}/given", headers=carrier.headers)).json()
    assert [g["id"] for g in given] == [first.json()["id"]]


async def test_grants_are_listed_for_the_carrier_and_the_shipper_shows_only_plate_and_type(
    api: Api,
):
    carrier, shipper = await api.enterprise(), await api.enterprise()
    truck = await carrier.vehicle(registration_number="AB 012.345")
    await carrier.vehicle()  # another truck of the carrier's, not granted
    grant = (await carrier.grant(truck, shipper, in_days(7))).json()

    given = (await api.client.get(f"{GRANTS}/given", headers=carrier.headers)).json()
    received = await api.client.get(f"{GRANTS}/received", headers=shipper.headers)

    assert [(g["id"], g["grantee_id"], g["live"]) for g in given] == [
        (grant["id"], shipper.id, True)
    ]
    assert given[0]["grantee_tax_code"] == shipper.tax_code
    [seen] = received.json()
    assert (seen["id"], seen["plate"], seen["vehicle_type"]) == (
        grant["id"],
        truck["plate"],
        "container",
    )
    assert set(seen) == {
        "id",
        "vehicle_id",
        "plate",
        "vehicle_type",
        "valid_until",
        "live",
        "created_at",
        "revoked_at",
    }
    _names_no_enterprise(received.text, carrier)
    assert "AB012345" not in received.text
    assert (await api.client.get(f"{GRANTS}/given", headers=shipper.headers)).json() == []


async def test_a_transfer_moves_the_truck_and_cancels_the_former_holders_open_bookings(
    api: Api, settings: Settings, uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
):
    seller, shipper, buyer = [await api.enterprise() for _ in range(3)]
    truck = await seller.vehicle(registration_number="012345")
    grant = (await seller.grant(truck, shipper, in_days(7))).json()
    shippers = (await _book(shipper, truck, hour=9)).json()
    assert (await api.slot(tomorrow_at(9)))["booked"] == 1

    moved = await _transfer(api, truck, buyer, "012.345")

    assert moved.status_code == 201, moved.text
    done = moved.json()
    assert done["vehicle"]["id"] == truck["id"]
    assert done["former_holder_id"] == seller.id
    assert done["grants_revoked"] == [grant["id"]]
    assert done["bookings_cancelled"] == [shippers["id"]]
    buyers = (await api.client.get("/api/v1/vehicles", headers=buyer.headers)).json()
    assert [v["id"] for v in buyers] == [truck["id"]]
    assert (await api.client.get("/api/v1/vehicles", headers=seller.headers)).json() == []
    # The shipper's booking is cancelled with a reason that names nobody; its place is free.
    booking = await api.client.get(f"/api/v1/bookings/{shippers['id']}", headers=shipper.headers)
    assert booking.json()["status"] == "cancelled"
    assert "transferred" in booking.json()["cancel_reason"]
    _names_no_enterprise(booking.text, buyer)
    assert (await api.slot(tomorrow_at(9)))["booked"] == 0
    given = (await api.client.get(f"{GRANTS}/given", headers=seller.headers)).json()
    assert given[0]["live"] is False
    assert given[0]["revoke_reason"] is not None
    # The former holder's grant no longer lets the shipper book; the buyer books its truck.
    assert (await _book(shipper, truck, hour=10)).status_code == 404
    assert (await _book(seller, truck, hour=10)).status_code == 404
    assert (await _book(buyer, truck, hour=10)).status_code == 201
    # Audited: the vehicle's chain and the cancelled booking's gate chain, still intact.
    in_order = select(AuditLogEntry).order_by(AuditLogEntry.chain, AuditLogEntry.seq)
    entries = list(await uow.session.scalars(in_order))
    vehicle_events = [e.event for e in entries if e.chain == truck["id"]]
    assert vehicle_events == [
        "vehicle.grant_given",
        "vehicle.grant_revoked",
        "vehicle.transferred",
    ]
    [transferred] = [e for e in entries if e.event == "vehicle.transferred"]
    assert transferred.actor_kind == "admin"
    assert transferred.reason is not None and "hợp đồng" in transferred.reason
    assert json.loads(transferred.data)["from_holder_id"] == seller.id
    [cancelled] = [
        e for e in entries if e.subject_id == shippers["id"] and e.event == "booking.cancelled"
    ]
    assert cancelled.actor_kind == "admin"
    assert cancelled.reason == booking.json()["cancel_reason"]
    code, output = _verify(settings, monkeypatch)
    assert code == 0, output


async def test_a_transfer_leaves_a_truck_already_in_the_yard_in_its_place(api: Api):
    await open_all_day(api)
    seller, buyer = await api.enterprise(), await api.enterprise()
    truck = await seller.vehicle(registration_number="012346")
    booking = (await seller.book(this_hour(), truck)).json()
    arrived = await api.client.post(
        "/api/v1/gates/tan-thanh/checkins", json=read(truck["plate"]), headers=await device(api)
    )
    assert arrived.status_code == 200, arrived.text

    moved = await _transfer(api, truck, buyer, "012346")

    assert moved.status_code == 201
    assert moved.json()["bookings_cancelled"] == []
    still = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=seller.headers)
    assert still.json()["status"] == "arrived"


async def test_a_transfer_needs_the_vehicles_registration_certificate_number(api: Api):
    seller, buyer = await api.enterprise(), await api.enterprise()
    truck = await seller.vehicle(registration_number="012347")

    wrong = await _transfer(api, truck, buyer, "999999")

    assert wrong.status_code == 409
    assert wrong.json()["type"] == "/problems/registration-mismatch"
    assert len((await api.client.get("/api/v1/vehicles", headers=seller.headers)).json()) == 1
    # A vehicle registered without a number takes the one the administration has seen.
    bare = await seller.vehicle()
    moved = await _transfer(api, bare, buyer, "ab-777 888")
    assert moved.status_code == 201
    assert moved.json()["vehicle"]["registration_number"] == "AB777888"


async def test_only_the_administrator_can_transfer_a_vehicle(api: Api):
    seller, buyer = await api.enterprise(), await api.enterprise()
    truck = await seller.vehicle(registration_number="012348")

    for headers in (buyer.headers, seller.headers):
        refused = await _transfer(api, truck, buyer, "012348", **headers)
        assert refused.status_code == 403
        assert refused.json()["type"] == "/problems/forbidden"
    anonymous = await api.client.post(
        TRANSFERS,
        json={
            "plate": truck["plate"],
            "new_holder_id": buyer.id,
            "registration_number": "012348",
            "reason": "x",
        },
    )
    assert anonymous.status_code == 401
    assert len((await api.client.get("/api/v1/vehicles", headers=seller.headers)).json()) == 1


async def test_a_transfer_of_an_unknown_plate_or_to_the_holder_itself_is_refused(api: Api):
    seller = await api.enterprise()
    truck = await seller.vehicle(registration_number="012349")

    unknown = await _transfer(api, {"plate": unique_plate()}, seller, "012349")
    to_itself = await _transfer(api, truck, seller, "012349")

    assert unknown.status_code == 404
    assert to_itself.status_code == 409


async def test_a_booking_racing_a_transfer_never_leaves_the_former_grantee_booked(api: Api):
    seller, buyer = await api.enterprise(), await api.enterprise()
    shippers = [await api.enterprise() for _ in range(3)]
    truck = await seller.vehicle(registration_number="012350")
    for shipper in shippers:
        await seller.grant(truck, shipper, in_days(7))
    bodies = [
        (s, s.booking_body(truck, await s.driver(), tomorrow_at(9 + n)))
        for n, s in enumerate(shippers)
    ]

    answers = await asyncio.gather(
        _transfer(api, truck, buyer, "012350"),
        *(api.client.post("/api/v1/bookings", json=b, headers=s.headers) for s, b in bodies),
    )

    assert answers[0].status_code == 201
    # Before the transfer one shipper books and the others find the plate booked (409);
    # after it the grants are gone (404). Either way nothing of theirs stands.
    statuses = [a.status_code for a in answers[1:]]
    assert set(statuses) <= {201, 404, 409} and statuses.count(201) <= 1
    for shipper in shippers:
        mine = await api.client.get("/api/v1/bookings", headers=shipper.headers)
        assert all(b["status"] == "cancelled" for b in mine.json()["items"])
    booked = [(await api.slot(tomorrow_at(9 + n)))["booked"] for n in range(3)]
    assert booked == [0, 0, 0]

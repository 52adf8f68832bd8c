"""Trucks as they really arrive: a tractor and its trailer, either plate read by the camera,
plates typed in full width or with office dashes, and misreads the camera makes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from gate.store.tables import AuditLogEntry, Booking, PendingRead
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, device, officer, open_all_day, read, this_hour

CHECKINS = "/api/v1/gates/tan-thanh/checkins"
YARD = "/api/v1/gates/tan-thanh"


@pytest.fixture(autouse=True)
async def gate_open_all_day(api: Api) -> None:
    await open_all_day(api)


async def _rows(uow: UnitOfWork, model: type, *where: Any) -> list[Any]:
    await uow.session.rollback()
    return list(await uow.session.scalars(select(model).where(*where)))


async def _count(uow: UnitOfWork, model: type, *where: Any) -> int:
    await uow.session.rollback()
    query = select(func.count()).select_from(model).where(*where)
    return int(await uow.session.scalar(query) or 0)


async def _arrival_facts(uow: UnitOfWork, booking_id: str) -> tuple[dict[str, Any], str]:
    import json

    (entry,) = await _rows(
        uow,
        AuditLogEntry,
        AuditLogEntry.subject_id == booking_id,
        AuditLogEntry.event == "vehicle.arrived",
    )
    return json.loads(entry.data), entry.actor_kind


# --- a truck is a tractor and its trailer ----------------------------------------------------


async def test_a_booked_truck_read_by_its_trailer_plate_is_checked_in_on_its_booking(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    truck = await enterprise.vehicle("12C-201.01", trailer_plate="12R-020.11")
    booking = (await enterprise.book(this_hour(), vehicle=truck)).json()
    assert booking["trailer_plate"] == "12R-020.11"
    camera = await device(api)

    answer = (await api.client.post(CHECKINS, json=read("12R-020.11"), headers=camera)).json()

    assert answer["outcome"] == "on_time"
    assert answer["booking_code"] == booking["code"]
    assert answer["plate"] == "12C-•••01"  # the truck's masked plate, never the full one
    assert await _count(uow, Booking) == 1


async def test_a_trailer_plate_never_becomes_a_walk_in(api: Api, uow: UnitOfWork):
    camera = await device(api)

    vietnamese = (await api.client.post(CHECKINS, json=read("12R-777.01"), headers=camera)).json()
    chinese = (await api.client.post(CHECKINS, json=read("桂A·1234挂"), headers=camera)).json()

    for answer in (vietnamese, chinese):
        assert (answer["outcome"], answer["refusal"]) == ("refused", "trailer_without_truck")
        assert "•••" in answer["plate"]
    assert await _count(uow, Booking) == 0


async def test_a_second_booking_of_a_truck_by_its_trailer_plate_is_refused(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    first = await enterprise.vehicle("12C-202.01", trailer_plate="12R-020.22")
    assert (await enterprise.book(this_hour(1), vehicle=first)).status_code == 201
    # The same trailer behind another tractor, booked by another enterprise.
    other = await api.enterprise()
    second = await other.vehicle("12C-202.02", trailer_plate="12R-020.22")

    refused = await other.book(this_hour(2), vehicle=second)

    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/plate-already-booked"
    assert "12R-020.22" in refused.json()["detail"]
    assert await _count(uow, Booking) == 1


async def test_the_trailer_is_free_again_once_its_booking_is_cancelled(api: Api):
    enterprise = await api.enterprise()
    first = await enterprise.vehicle("12C-203.01", trailer_plate="12R-020.33")
    booking = (await enterprise.book(this_hour(1), vehicle=first)).json()
    cancelled = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=enterprise.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    second = await enterprise.vehicle("12C-203.02", trailer_plate="12R-020.33")
    assert (await enterprise.book(this_hour(2), vehicle=second)).status_code == 201


async def test_a_truck_with_another_trailer_than_declared_is_admitted_and_flagged(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    truck = await enterprise.vehicle("12C-204.01", trailer_plate="12R-020.44")
    booking = (await enterprise.book(this_hour(), vehicle=truck)).json()
    camera = await device(api)
    event = {**read("12C-204.01"), "trailer_plate": "12R-099.99"}

    answer = (await api.client.post(CHECKINS, json=event, headers=camera)).json()

    assert answer["outcome"] == "on_time"
    operator = await officer(api, "gate_operator")
    seen = (await api.client.get(f"{YARD}/vehicles/{booking['id']}", headers=operator)).json()
    assert seen["vehicle"]["trailer_mismatch"] is True
    assert seen["vehicle"]["arrived_trailer_plate"] == "12R-099.99"
    assert seen["vehicle"]["trailer_plate"] == "12R-020.44"
    queue = (await api.client.get(f"{YARD}/queue?direction=export", headers=operator)).json()
    assert queue["waiting"][0]["vehicle"]["trailer_mismatch"] is True
    facts, _ = await _arrival_facts(uow, booking["id"])
    assert facts["trailer_mismatch"] is True


async def test_an_officer_checking_a_booking_in_by_hand_with_another_trailer_flags_it(
    api: Api, uow: UnitOfWork
):
    """The trailer the officer typed beside a booking was dropped: admitted, never flagged."""
    enterprise = await api.enterprise()
    truck = await enterprise.vehicle("12C-204.02", trailer_plate="12R-020.45")
    booking = (await enterprise.book(this_hour(), vehicle=truck)).json()
    operator = await officer(api, "gate_operator")

    answer = await api.client.post(
        f"{YARD}/manual-checkins",
        json={"booking_id": booking["id"], "trailer_plate": "12R-099.98"},
        headers=operator,
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "on_time"
    seen = (await api.client.get(f"{YARD}/vehicles/{booking['id']}", headers=operator)).json()
    assert seen["vehicle"]["trailer_mismatch"] is True
    assert seen["vehicle"]["arrived_trailer_plate"] == "12R-099.98"
    facts, _ = await _arrival_facts(uow, booking["id"])
    assert facts["trailer_mismatch"] is True and facts["manual"] is True


async def test_a_truck_with_its_declared_trailer_is_not_flagged(api: Api, uow: UnitOfWork):
    enterprise = await api.enterprise()
    truck = await enterprise.vehicle("12C-205.01", trailer_plate="12R-020.55")
    booking = (await enterprise.book(this_hour(), vehicle=truck)).json()
    camera = await device(api)
    # The camera read the trailer with an S for its 5: the same trailer, not another.
    event = {**read("12C-205.01"), "trailer_plate": "12R-020.5S"}

    assert (await api.client.post(CHECKINS, json=event, headers=camera)).json()["outcome"] == (
        "on_time"
    )
    facts, _ = await _arrival_facts(uow, booking["id"])
    assert "trailer_mismatch" not in facts


async def test_a_walk_in_that_arrives_with_a_trailer_stores_it_and_is_found_by_it(
    api: Api, uow: UnitOfWork
):
    camera = await device(api)
    event = {**read("12C-206.01"), "trailer_plate": "12R-020.66"}

    walked_in = (await api.client.post(CHECKINS, json=event, headers=camera)).json()
    again = (await api.client.post(CHECKINS, json=read("12R-020.66"), headers=camera)).json()

    assert walked_in["outcome"] == "walk_in"
    (stored,) = await _rows(uow, Booking)
    assert (stored.trailer_plate, stored.active_trailer_plate) == ("12R02066", "12R02066")
    assert again["outcome"] == "already_in_yard"
    assert again["booking_code"] == walked_in["booking_code"]


# --- plates as people and cameras type them --------------------------------------------------


async def test_full_width_dash_and_dot_variants_of_a_plate_register_and_match_as_canonical(
    api: Api,
):
    enterprise = await api.enterprise()
    truck = await enterprise.vehicle("１２Ｃ－２０７．０１", trailer_plate="１２Ｒ―０２０．７７")
    assert (truck["plate"], truck["trailer_plate"]) == ("12C-207.01", "12R-020.77")
    again = await api.client.post(
        "/api/v1/vehicles",
        json={"plate": "12C–207・01", "vehicle_type": "container"},
        headers=enterprise.headers,
    )
    assert again.status_code == 409  # the same vehicle, however it was typed
    booking = (await enterprise.book(this_hour(), vehicle=truck)).json()
    found = await api.client.get(
        "/api/v1/bookings", params={"plate": "12c—207。01"}, headers=enterprise.headers
    )
    assert [b["id"] for b in found.json()["items"]] == [booking["id"]]
    camera = await device(api)

    answer = (await api.client.post(CHECKINS, json=read("12C−207﹒01"), headers=camera)).json()

    assert (answer["outcome"], answer["booking_code"]) == ("on_time", booking["code"])
    assert answer["corrected_from"] is None


async def test_a_chinese_plate_with_o_or_i_in_its_serial_is_refused_at_registration(api: Api):
    enterprise = await api.enterprise()
    for plate in ("桂A·12O45", "桂A·I2345"):
        refused = await api.client.post(
            "/api/v1/vehicles",
            json={"plate": plate, "vehicle_type": "container"},
            headers=enterprise.headers,
        )
        assert refused.status_code == 422
        assert refused.json()["type"] == "/problems/invalid-plate"
        assert "I or O" in refused.json()["detail"]


async def test_a_camera_read_with_an_o_for_a_0_checks_in_the_one_expected_truck(
    api: Api, uow: UnitOfWork
):
    enterprise = await api.enterprise()
    truck = await enterprise.vehicle("桂A·12045")
    booking = (await enterprise.book(this_hour(), vehicle=truck)).json()
    camera = await device(api)

    answer = (await api.client.post(CHECKINS, json=read("桂A12O45"), headers=camera)).json()

    assert (answer["outcome"], answer["booking_code"]) == ("on_time", booking["code"])
    assert answer["corrected_from"] == "桂A·•••45"  # masked: kiosk screens are public
    assert "12O45" not in str(answer) and "12045" not in str(answer)
    assert await _count(uow, Booking) == 1
    facts, _ = await _arrival_facts(uow, booking["id"])
    assert facts["read_corrected"] is True


async def test_a_misread_that_only_the_expected_trucks_resolve_checks_that_truck_in(
    api: Api, uow: UnitOfWork
):
    # 桂A·1234B and 桂A·12348 are both valid plates: only the truck list tells them apart.
    enterprise = await api.enterprise()
    truck = await enterprise.vehicle("桂A·1234B")
    booking = (await enterprise.book(this_hour(), vehicle=truck)).json()
    camera = await device(api)

    answer = (await api.client.post(CHECKINS, json=read("桂A·12348"), headers=camera)).json()

    assert (answer["outcome"], answer["booking_code"]) == ("on_time", booking["code"])
    assert answer["corrected_from"] == "桂A·•••48"
    assert await _count(uow, Booking) == 1


# --- reads that fit several trucks wait for an officer ---------------------------------------


async def _two_lookalike_trucks(api: Api) -> list[dict[str, Any]]:
    """Two booked trucks whose plates differ only by characters a camera confuses."""
    enterprise = await api.enterprise()
    return [
        (await enterprise.book(this_hour(), vehicle=await enterprise.vehicle(plate))).json()
        for plate in ("桂A·128B5", "桂A·12885")
    ]


async def test_an_ambiguous_read_waits_for_an_officer_and_creates_no_walk_in(
    api: Api, uow: UnitOfWork
):
    trucks = await _two_lookalike_trucks(api)
    camera = await device(api)

    answer = (await api.client.post(CHECKINS, json=read("桂A·1288S"), headers=camera)).json()

    assert answer["outcome"] == "needs_confirmation"
    assert answer["booking_code"] is None and "•••" in answer["plate"]
    assert await _count(uow, Booking) == 2  # no walk-in
    assert await _count(uow, Booking, Booking.status == "arrived") == 0
    operator = await officer(api, "gate_operator")
    (pending,) = (await api.client.get(f"{YARD}/pending-reads", headers=operator)).json()
    assert pending["plate_read"] == "桂A·1288S"
    assert {c["booking_id"] for c in pending["candidates"]} == {t["id"] for t in trucks}

    checked = await api.client.post(
        f"{YARD}/manual-checkins",
        json={"pending_read_id": pending["id"], "booking_id": trucks[1]["id"]},
        headers=operator,
    )

    assert checked.status_code == 200, checked.text
    assert (checked.json()["outcome"], checked.json()["booking_code"]) == (
        "on_time",
        trucks[1]["code"],
    )
    assert (await api.client.get(f"{YARD}/pending-reads", headers=operator)).json() == []
    facts, actor_kind = await _arrival_facts(uow, trucks[1]["id"])
    assert actor_kind == "officer" and facts["manual"] is True
    (settled,) = await _rows(uow, PendingRead)
    assert settled.booking_id == trucks[1]["id"] and settled.resolved_by is not None


async def test_checking_a_truck_in_by_hand_needs_an_officer_of_the_yard_entrance(api: Api):
    trucks = await _two_lookalike_trucks(api)
    customs = await officer(api, "customs")
    refused = await api.client.post(
        f"{YARD}/manual-checkins", json={"booking_id": trucks[0]["id"]}, headers=customs
    )
    assert refused.status_code == 403
    enterprise = await api.enterprise()
    assert (
        await api.client.post(
            f"{YARD}/manual-checkins",
            json={"booking_id": trucks[0]["id"]},
            headers=enterprise.headers,
        )
    ).status_code == 403


async def test_a_truck_checked_in_by_hand_is_judged_like_a_camera_s_read(api: Api, uow: UnitOfWork):
    guard = await officer(api, "border_guard")
    walked_in = await api.client.post(
        f"{YARD}/manual-checkins",
        json={"plate": "12C-208.01", "direction": "export"},
        headers=guard,
    )
    trailer = await api.client.post(
        f"{YARD}/manual-checkins",
        json={"plate": "12R-020.88", "direction": "export"},
        headers=guard,
    )
    assert walked_in.json()["outcome"] == "walk_in"
    assert (trailer.json()["outcome"], trailer.json()["refusal"]) == (
        "refused",
        "trailer_without_truck",
    )
    (booking,) = await _rows(uow, Booking)
    facts, actor_kind = await _arrival_facts(uow, booking.id)
    assert actor_kind == "officer" and facts["manual"] is True


async def _console_session(api: Api, agency: str) -> None:
    from services.common.session import SESSION_COOKIE

    token = (await officer(api, agency))["Authorization"].removeprefix("Bearer ")
    api.client.cookies.set(SESSION_COOKIE, token)


async def test_an_officer_checks_a_pending_read_s_truck_in_from_the_console(
    api: Api, uow: UnitOfWork
):
    trucks = await _two_lookalike_trucks(api)
    camera = await device(api)
    await api.client.post(CHECKINS, json=read("桂A·1288S"), headers=camera)
    await _console_session(api, "gate_operator")

    console = await api.client.get("/console/tan-thanh?direction=export")
    assert console.status_code == 200
    html = console.text
    assert 'id="pending-reads"' in html and "桂A·1288S" in html
    assert "桂A·128B5" in html and "桂A·12885" in html
    (pending,) = await _rows(uow, PendingRead)
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert csrf is not None
    posted = await api.client.post(
        "/console/tan-thanh/checkins",
        data={
            "_csrf_token": csrf.group(1),
            "direction": "export",
            "pending_read_id": pending.id,
            "booking_id": trucks[0]["id"],
        },
    )

    assert posted.status_code == 303
    assert "error" not in posted.headers["location"]
    (arrived,) = await _rows(uow, Booking, Booking.status == "arrived")
    assert arrived.id == trucks[0]["id"]
    facts, actor_kind = await _arrival_facts(uow, arrived.id)
    assert actor_kind == "officer" and facts["manual"] is True
    after = await api.client.get("/console/tan-thanh?direction=export")
    assert 'id="pending-reads"' not in after.text


async def test_a_console_check_in_by_hand_into_no_such_yard_is_refused_and_stores_nothing(
    api: Api, uow: UnitOfWork
):
    await _console_session(api, "gate_operator")
    console = await api.client.get("/console/tan-thanh?direction=export")
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', console.text)
    assert csrf is not None
    posted = await api.client.post(
        "/console/tan-thanh/checkins",
        data={"_csrf_token": csrf.group(1), "direction": "sideways", "plate": "12C-765.43"},
    )

    # Refused with the page drawn again, the plate as typed (issue 16).
    assert posted.status_code == 422, posted.text
    assert 'value="12C-765.43"' in posted.text
    assert await _rows(uow, Booking) == []


async def test_the_console_of_no_such_direction_is_a_4xx(api: Api):
    await _console_session(api, "gate_operator")
    page = await api.client.get("/console/tan-thanh?direction=sideways")
    assert page.status_code == 422

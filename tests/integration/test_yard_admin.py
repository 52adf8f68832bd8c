"""Yard enterprises and their yards: an enterprise's kind on the API and in its credentials,
yards created by the administrator for a yard enterprise only, their hours set by its
managers, yard device keys that stop working once revoked, the gates' coordinates seeded."""

from __future__ import annotations

from sqlalchemy import select

from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, admin, open_all_day, this_hour, unique_plate
from tests.yards import yard, yard_device, yard_enterprise, yard_read


async def test_a_yard_enterprise_is_of_kind_yard_and_its_key_may_not_book(api: Api):
    await open_all_day(api)
    owner = await yard_enterprise(api)
    carrier = await api.enterprise()

    body = carrier.booking_body(await carrier.vehicle(), await carrier.driver(), this_hour(3))

    shown = await api.client.get(f"/api/v1/enterprises/{owner.id}", headers=admin())
    booked = await api.client.post("/api/v1/bookings", json=body, headers=owner.headers)
    fleet = await api.client.get("/api/v1/vehicles", headers=owner.headers)

    assert shown.json()["kind"] == "yard"
    assert (await api.client.get(f"/api/v1/enterprises/{carrier.id}", headers=admin())).json()[
        "kind"
    ] == "carrier"
    assert booked.status_code == 403
    assert "a yard enterprise does not book" in booked.json()["detail"]
    # The key is remembered now: the next request is judged the same from memory.
    assert fleet.status_code == 403


async def test_a_yard_is_only_for_a_yard_enterprise_and_serves_known_gates(api: Api):
    carrier = await api.enterprise()
    body = {"code": "bai-sai", "name": "Bãi", "capacity": 5, "gates": ["tan-thanh"]}

    for_carrier = await api.client.post(
        "/api/v1/yards", json={**body, "enterprise_id": carrier.id}, headers=admin()
    )
    owner = await yard_enterprise(api)
    unknown_gate = await api.client.post(
        "/api/v1/yards",
        json={**body, "enterprise_id": owner.id, "gates": ["mong-cai"]},
        headers=admin(),
    )

    assert (for_carrier.status_code, for_carrier.json()["field"]) == (422, "enterprise_id")
    assert (unknown_gate.status_code, unknown_gate.json()["field"]) == (422, "gates")


async def test_a_yards_managers_set_its_capacity_and_hours_and_another_yards_may_not(api: Api):
    owner, other = await yard_enterprise(api), await yard_enterprise(api)
    code = await yard(api, owner, capacity=5)

    changed = await api.client.put(
        f"/api/v1/yards/{code}/hours",
        json={"capacity": 80, "opens_at": 5, "closes_at": 23},
        headers=owner.headers,
    )
    refused = await api.client.put(
        f"/api/v1/yards/{code}/hours", json={"capacity": 1}, headers=other.headers
    )
    ambiguous = await api.client.put(
        f"/api/v1/yards/{code}/hours",
        json={"capacity": 1, "opens_at": 6, "closes_at": 6},
        headers=owner.headers,
    )

    assert changed.status_code == 200, changed.text
    assert (changed.json()["capacity"], changed.json()["opens_at"]) == (80, 5)
    assert refused.status_code == 403
    assert ambiguous.status_code == 422


async def test_a_revoked_yard_device_key_stops_working_at_once(api: Api):
    owner = await yard_enterprise(api)
    code = await yard(api, owner)
    camera = await yard_device(api, code)
    url = f"/api/v1/yards/{code}/checkins"
    assert (
        await api.client.post(url, json=yard_read(unique_plate()), headers=camera)
    ).status_code == 200
    devices = await api.client.get(f"/api/v1/yards/{code}/devices", headers=owner.headers)
    (device_id,) = [d["id"] for d in devices.json()]

    revoked = await api.client.delete(
        f"/api/v1/yards/{code}/devices/{device_id}", headers=owner.headers
    )
    after = await api.client.post(url, json=yard_read(unique_plate()), headers=camera)

    assert revoked.status_code == 204, revoked.text
    assert after.status_code == 401


async def test_the_four_lang_son_gates_are_seeded_with_their_coordinates(uow: UnitOfWork):
    gates = {
        code: (lat, lon)
        for code, lat, lon in await uow.session.execute(
            select(Gate.code, Gate.latitude, Gate.longitude)
        )
    }
    assert gates["huu-nghi"] == (21.97, 106.70)
    assert all(lat is not None and 21 < lat < 23 and 106 < lon < 108 for lat, lon in gates.values())


async def test_a_devices_name_longer_than_it_is_stored_is_refused_not_a_server_error(
    api: Api,
):
    code = await yard(api, await yard_enterprise(api))
    for length, status in ((101, 422), (100, 201)):
        body = {"name": "c" * length, "kind": "lpr_camera"}
        at_yard = await api.client.post(
            f"/api/v1/yards/{code}/devices", json={**body, "watches": "entry"}, headers=admin()
        )
        at_gate = await api.client.post(
            "/api/v1/gates/tan-thanh/devices", json=body, headers=admin()
        )
        assert (at_yard.status_code, at_gate.status_code) == (status, status), (
            at_yard.text,
            at_gate.text,
        )

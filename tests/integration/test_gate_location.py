"""The gates' places on the map, on both databases: the gates' answers carry the coordinates
the seeded gates have, the administrator places a gate (or takes it off the map), and a
dispatched truck's estimate follows the gate's new place."""

from __future__ import annotations

from tests.driver_rows import LANG_SON_CITY, TAN_THANH
from tests.helpers import Api, admin, open_all_day, this_hour
from tests.yards import dispatched_by_hand, enters_yard, yard, yard_enterprise


async def test_the_gates_answers_carry_the_seeded_gates_coordinates(api: Api):
    listed = await api.client.get("/api/v1/gates")

    assert listed.status_code == 200
    gates = {g["code"]: g for g in listed.json()}
    assert gates["huu-nghi"]["latitude"] is not None
    assert gates["huu-nghi"]["longitude"] is not None
    one = await api.client.get("/api/v1/gates/huu-nghi")
    assert (one.json()["latitude"], one.json()["longitude"]) == (
        gates["huu-nghi"]["latitude"],
        gates["huu-nghi"]["longitude"],
    )


async def test_the_administrator_places_a_gate_and_takes_it_off_the_map(api: Api):
    placed = await api.client.put(
        "/api/v1/gates/tan-thanh/location",
        json={"latitude": TAN_THANH[0], "longitude": TAN_THANH[1]},
        headers=admin(),
    )

    assert placed.status_code == 200, placed.text
    assert placed.json() == {"latitude": TAN_THANH[0], "longitude": TAN_THANH[1]}
    seen = (await api.client.get("/api/v1/gates/tan-thanh")).json()
    assert (seen["latitude"], seen["longitude"]) == TAN_THANH

    removed = await api.client.put(
        "/api/v1/gates/tan-thanh/location",
        json={"latitude": None, "longitude": None},
        headers=admin(),
    )
    assert removed.status_code == 200, removed.text
    seen = (await api.client.get("/api/v1/gates/tan-thanh")).json()
    assert seen["latitude"] is None and seen["longitude"] is None


async def test_a_gate_is_placed_with_both_coordinates_in_range(api: Api):
    cases = [
        ({"latitude": 21.9, "longitude": None}, "longitude"),
        ({"latitude": None, "longitude": 106.7}, "latitude"),
        ({"latitude": 91, "longitude": 106.7}, "latitude"),
        ({"latitude": 21.9, "longitude": 181}, "longitude"),
    ]
    for body, field in cases:
        answer = await api.client.put(
            "/api/v1/gates/tan-thanh/location", json=body, headers=admin()
        )
        assert answer.status_code == 422, (body, answer.text)
        assert field in answer.text, (body, answer.text)
    unknown = await api.client.put(
        "/api/v1/gates/nowhere/location", json={"latitude": 1, "longitude": 1}, headers=admin()
    )
    assert unknown.status_code == 404


async def test_a_new_gate_can_be_created_on_the_map(api: Api):
    body = {
        "code": "na-hinh",
        "name": "Na Hình",
        "name_en": "Na Hinh",
        "counterpart": "Lũng Nghịu",
        "province": "Lạng Sơn",
        "kind": "secondary",
        "export_capacity": 10,
        "import_capacity": 10,
        "latitude": 21.80,
        "longitude": 106.65,
    }

    made = await api.client.post("/api/v1/gates", json=body, headers=admin())

    assert made.status_code == 201, made.text
    assert (made.json()["latitude"], made.json()["longitude"]) == (21.80, 106.65)


async def test_a_dispatched_trucks_estimate_follows_the_gates_place(api: Api):
    await open_all_day(api)
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour(2))).json()
    link = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/driver-links", headers=enterprise.headers
    )
    path = "/d/" + link.json()["url"].rsplit("/d/", 1)[1]
    code = await yard(api, await yard_enterprise(api), name="Bãi chờ Km3")
    await dispatched_by_hand(api, await enters_yard(api, code, booking["plate"]))
    at = {"latitude": LANG_SON_CITY[0], "longitude": LANG_SON_CITY[1]}
    await api.client.put(
        "/api/v1/gates/tan-thanh/location",
        json={"latitude": None, "longitude": None},
        headers=admin(),
    )

    unplaced = (await api.client.post(path + "/position", json=at)).json()
    await api.client.put(
        "/api/v1/gates/tan-thanh/location",
        json={"latitude": TAN_THANH[0], "longitude": TAN_THANH[1]},
        headers=admin(),
    )
    placed = (await api.client.post(path + "/position", json=at)).json()

    assert unplaced["destination"] == "gate" and unplaced["estimated_arrival_at"] is None
    assert placed["destination"] == "gate" and placed["estimated_arrival_at"] is not None

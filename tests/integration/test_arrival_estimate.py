"""The arrival estimate of a dispatched truck, on both databases: made from distance and
speed alone (gate/domain/geo.py), never from the dispatch order's deadline nor capped by it."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from gate.domain.geo import AVERAGE_SPEED_KMH, ROAD_FACTOR, distance_km
from gate.domain.time import utc_now
from tests.driver_rows import TAN_THANH
from tests.helpers import Api, admin, open_all_day, this_hour
from tests.yards import dispatched_by_hand, enters_yard, yard, yard_enterprise

# A truck still near Hà Nội, about 130 km from the gate: hours away, the order's deadline is one.
FAR_AWAY = (21.03, 105.85)
NEAR_GATE = (21.95, 106.72)


async def test_a_dispatched_trucks_estimate_is_its_distance_at_speed_not_the_deadline(api: Api):
    await open_all_day(api)
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour(2))).json()
    link = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/driver-links", headers=enterprise.headers
    )
    path = "/d/" + link.json()["url"].rsplit("/d/", 1)[1]
    placed = await api.client.put(
        "/api/v1/gates/tan-thanh/location",
        json={"latitude": TAN_THANH[0], "longitude": TAN_THANH[1]},
        headers=admin(),
    )
    assert placed.status_code == 200, placed.text
    code = await yard(api, await yard_enterprise(api), name="Bãi chờ Km3")
    order = await dispatched_by_hand(api, await enters_yard(api, code, booking["plate"]))
    deadline = datetime.fromisoformat(order["deadline_at"])

    answers = {}
    for name, (lat, lon) in (("far", FAR_AWAY), ("near", NEAR_GATE)):
        before = utc_now().replace(second=0, microsecond=0)
        shared = await api.client.post(path + "/position", json={"latitude": lat, "longitude": lon})
        after = utc_now().replace(second=0, microsecond=0)
        assert shared.status_code == 200, shared.text
        assert shared.json()["destination"] == "gate"
        minutes = math.ceil(
            distance_km(lat, lon, *TAN_THANH) * ROAD_FACTOR / AVERAGE_SPEED_KMH * 60
        )
        estimate = datetime.fromisoformat(shared.json()["estimated_arrival_at"])
        assert before + timedelta(minutes=minutes) <= estimate <= after + timedelta(minutes=minutes)
        answers[name] = estimate

    assert answers["far"] > deadline + timedelta(hours=2)  # not capped at the deadline
    assert answers["near"] < deadline  # nor pushed to it
    assert answers["near"] < answers["far"]

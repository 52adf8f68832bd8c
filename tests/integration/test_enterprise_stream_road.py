"""The enterprise's live stream shows each of its trucks' road to the gate, as the booking
API's ``road`` does: the waiting yard it is in, its dispatch order (status, gate, deadline)
and the arrival estimate from the position its driver shares. Each change reaches the
stream because its event wakes the enterprise's channel: the projector's periodic rebuild
is put off for the test, so nothing else could bring it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from tests.apps import app_for
from tests.asgi import served
from tests.helpers import Api, officer, open_all_day, this_hour
from tests.live import Viewer, eventually
from tests.yards import yard, yard_enterprise


@pytest.fixture
async def live(settings: Settings, bus: InMemoryEventBus) -> AsyncIterator[tuple[Api, str]]:
    app = app_for(settings, bus)
    async with served(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        # Only events mark a channel now: no rebuild "because time passed".
        app.state.platform.live.projector.refresh = 3600.0
        api = Api(client)
        await open_all_day(api)
        yield api, base.replace("http://", "ws://")


async def test_the_stream_follows_the_truck_into_the_yard_under_an_order_and_on_the_road(
    live: tuple[Api, str],
):
    api, ws = live
    owner = await yard_enterprise(api)
    code = await yard(api, owner)
    carrier = await api.enterprise()
    booking = (await carrier.book(this_hour(2))).json()
    viewer = Viewer(f"{ws}/ws/v1/enterprise/vehicles?token={carrier.token}")

    def vehicle() -> dict[str, Any] | None:
        state = viewer.follower.state
        mine = [v for v in (state or {}).get("vehicles", []) if v["booking_id"] == booking["id"]]
        return mine[0] if mine else None

    async def road(check: Any) -> bool:
        found = vehicle()
        return found is not None and bool(check(found["road"] or {}))

    try:
        await eventually(lambda: road(lambda r: True))
        assert vehicle()["road"] is None  # type: ignore[index]  # nothing on it yet

        entered = await api.client.post(
            f"/api/v1/yards/{code}/visits",
            json={"booking_code": booking["code"]},
            headers=owner.headers,
        )
        assert entered.status_code == 201, entered.text
        await eventually(lambda: road(lambda r: r.get("yard") and r["yard"]["code"] == code))
        assert vehicle()["road"]["yard"]["status"] == "waiting"  # type: ignore[index]

        order = await api.client.post(
            "/api/v1/gates/tan-thanh/dispatch-orders",
            json={"visit_id": entered.json()["id"]},
            headers=await officer(api, "gate_operator"),
        )
        assert order.status_code == 201, order.text
        await eventually(lambda: road(lambda r: r.get("dispatch_order")))
        sent = vehicle()["road"]["dispatch_order"]  # type: ignore[index]
        assert (sent["code"], sent["status"], sent["gate"]) == (
            order.json()["code"],
            "open",
            "tan-thanh",
        )
        assert sent["deadline_at"] > sent["issued_at"]

        link = await api.client.post(
            f"/api/v1/bookings/{booking['id']}/driver-links", headers=carrier.headers
        )
        assert link.status_code == 201, link.text
        page = "/d/" + link.json()["url"].rsplit("/d/", 1)[1]
        shared = await api.client.post(
            page + "/position", json={"latitude": 21.95, "longitude": 106.72}
        )
        assert shared.status_code == 200, shared.text
        await eventually(lambda: road(lambda r: r.get("arrival")))
        arrival = vehicle()["road"]["arrival"]  # type: ignore[index]
        assert arrival["destination"] == "gate" and arrival["estimated_at"] is not None
    finally:
        await viewer.close()

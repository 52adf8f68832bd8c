"""Availability offers exactly the hours booking takes: an hour shown with a free place can be
booked, and an hour booking would refuse (past, beyond the horizon, closed, full) shows no
free place and says why."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import floor_to_slot, utc_now
from gate.live.channels import board_channel
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.helpers import Api, Enterprise, open_all_day
from tests.live import eventually

HORIZON = timedelta(days=14)  # the settings' default booking horizon


async def _hours(api: Api, start: datetime, hours: int) -> list[dict[str, Any]]:
    answer = await api.client.get(
        "/api/v1/gates/tan-thanh/availability",
        params={"direction": "export", "from": start.isoformat(), "hours": hours},
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["slots"])


async def _book(enterprise: Enterprise, driver: dict[str, Any], slot: dict[str, Any]) -> Any:
    body = enterprise.booking_body(
        await enterprise.vehicle(), driver, datetime.fromisoformat(slot["starts_at"])
    )
    return await enterprise.api.client.post(
        "/api/v1/bookings", json=body, headers=enterprise.headers
    )


async def test_every_hour_offered_from_before_now_to_past_the_horizon_edge_can_be_booked(
    api: Api,
):
    enterprise = await api.enterprise()
    driver = await enterprise.driver()
    hour = floor_to_slot(utc_now())
    # A full hour and an hour overridden to no place, besides the night's closed hours.
    await api.set_capacity(hour + timedelta(hours=30), 1)
    await api.set_capacity(hour + timedelta(hours=31), 0)
    offered = await _hours(api, hour - timedelta(hours=3), 36)
    near_the_edge = await _hours(api, hour + HORIZON - timedelta(hours=3), 6)
    filler = next(s for s in offered if s["starts_at"] == offered[33]["starts_at"])
    if filler["remaining"]:
        assert (await _book(enterprise, driver, filler)).status_code == 201
    offered = await _hours(api, hour - timedelta(hours=3), 36)

    seen = {"bookable": 0, "refused": 0}
    for slot in offered + near_the_edge:
        answer = await _book(enterprise, driver, slot)
        if floor_to_slot(utc_now()) != hour:
            pytest.skip("the clock turned an hour during the test; the hours it read moved")
        if slot["remaining"] > 0:
            assert slot["refusal"] is None
            assert answer.status_code == 201, (slot, answer.text)
            seen["bookable"] += 1
        else:
            assert slot["refusal"], slot
            assert answer.status_code in (409, 422), (slot, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            seen["refused"] += 1
    # The span held each kind: past hours, bookable ones, and the first beyond the horizon.
    assert seen["bookable"] > 0 and seen["refused"] >= 4
    # The hour starting at this hour plus the horizon starts before now plus the horizon.
    assert near_the_edge[3]["refusal"] is None or near_the_edge[3]["closed_reason"]
    assert near_the_edge[4]["remaining"] == 0 and "14 days" in near_the_edge[4]["refusal"]


async def test_hours_already_over_offer_no_place_and_say_so(api: Api):
    yesterday = floor_to_slot(utc_now()) - timedelta(days=1)
    for slot in await _hours(api, yesterday, 6):
        assert slot["remaining"] == 0
        assert slot["refusal"] == "that slot is in the past"


async def _board_and_availability(api: Api) -> list[tuple[Any, Any, Any]]:
    board = await api.client.get("/api/v1/gates/tan-thanh/board")
    assert board.status_code == 200, board.text
    export = next(d for d in board.json()["directions"] if d["direction"] == "export")
    free = export["free_places"]
    offered = await _hours(api, datetime.fromisoformat(free[0]["starts_at"]), len(free))
    pairs = zip(free, offered, strict=True)
    return [(f["starts_at"], f["remaining"], o["remaining"]) for f, o in pairs]


@pytest.mark.parametrize("horizon_days", [14, 0])
async def test_the_boards_free_places_are_the_places_availability_offers_under_any_horizon(
    settings: Settings, bus: InMemoryEventBus, horizon_days: int
):
    """The live board's "free places ahead" judge each hour by booking's own rule: with a
    horizon of 0 days (only the running hour bookable) it offered open hours booking refuses."""
    app = app_for(dataclasses.replace(settings, booking_horizon_days=horizon_days), bus)
    async with in_process_client(app) as client:
        api = Api(client)
        await open_all_day(api, capacity=3)
        hour = floor_to_slot(utc_now())
        await api.set_capacity(hour + timedelta(hours=2), 0)
        await api.set_capacity(hour + timedelta(hours=3), 1)
        if horizon_days:
            enterprise = await api.enterprise()
            slot = await api.slot(hour + timedelta(hours=3))
            assert (await _book(enterprise, await enterprise.driver(), slot)).status_code == 201
        hours = await _board_and_availability(api)
        if floor_to_slot(utc_now()) != hour:
            pytest.skip("the clock turned an hour during the test")
        assert [board for _, board, _ in hours] == [offered for _, _, offered in hours], hours
        if horizon_days:
            assert [board for _, board, _ in hours] == [3, 3, 0, 0, 3, 3]
        else:  # only the hour running now can still be booked
            assert [board for _, board, _ in hours] == [3, 0, 0, 0, 0, 0]
        # The board the projector keeps live says the same.
        channel = app.state.platform.live.hub.channel(board_channel("tan-thanh"))
        expected = [offered for _, _, offered in hours]

        async def live_board_agrees() -> bool:
            board = channel.state or {"directions": []}
            export = [d for d in board["directions"] if d["direction"] == "export"]
            return bool(export) and [f["remaining"] for f in export[0]["free_places"]] == expected

        await eventually(live_board_agrees)

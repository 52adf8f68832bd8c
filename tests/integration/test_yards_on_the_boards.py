"""What the public sees of the road to the gate: each waiting yard that serves a gate with how
full it is, and the trucks on their way to the gate, counted from the database (the board is
a function of stored state) on the board's JSON, its live channel and the gates page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.dispatch import OrderStatus
from gate.domain.geo import POSITION_FRESH
from gate.domain.time import utc_now
from gate.domain.yards import VisitStatus
from tests.apps import app_for
from tests.asgi import served
from tests.helpers import Api, Enterprise, device, open_all_day, read, this_hour, tomorrow_at
from tests.live import Viewer, eventually
from tests.yards_board_rows import yard_rows

GATE = "/api/v1/gates/tan-thanh"
LANG_SON = (21.85, 106.76)


async def _board(api: Api, gate: str = "tan-thanh") -> dict[str, Any]:
    answer = await api.client.get(f"/api/v1/gates/{gate}/board")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def _booked(enterprise: Enterprise) -> str:
    answer = await enterprise.book(tomorrow_at(9))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def test_the_board_counts_each_yards_trucks_against_its_capacity_and_the_trucks_on_the_way(
    api: Api, settings: Settings, bus: InMemoryEventBus
):
    await open_all_day(api)
    # In the control yard already, with a position still fresh: not on the way any more.
    enterprise = await api.enterprise()
    arrived = (await enterprise.book(this_hour())).json()
    checked = await api.client.post(
        f"{GATE}/checkins", json=read(arrived["plate"]), headers=await device(api)
    )
    assert checked.status_code == 200, checked.text
    driving, stale, parked, ordered, cancelled = [await _booked(enterprise) for _ in range(5)]
    cancel = await api.client.post(
        f"/api/v1/bookings/{cancelled}/cancel", json={}, headers=enterprise.headers
    )
    now = utc_now()
    async with yard_rows(settings, bus) as rows:
        near = await rows.yard("bai-dong-dang", ["tan-thanh"], capacity=40, name="Bãi Đồng Đăng")
        shared = await rows.yard("bai-tan-my", ["tan-thanh", "huu-nghi"], capacity=8)
        elsewhere = await rows.yard("bai-huu-nghi", ["huu-nghi"], capacity=30)
        shut = await rows.yard("bai-cu", ["tan-thanh"], capacity=5, closed=True)
        for n in range(3):
            await rows.visit(near, "tan-thanh", f"12C1000{n}")
        await rows.visit(near, "tan-thanh", "12C10010", booking_id=parked)
        dispatched = await rows.visit(near, "tan-thanh", "12C10020", VisitStatus.DISPATCHED)
        en_route = await rows.visit(
            near, "tan-thanh", "12C10030", VisitStatus.EN_ROUTE, booking_id=ordered
        )
        for n, status in enumerate((VisitStatus.LEFT, VisitStatus.ARRIVED, VisitStatus.LAPSED)):
            await rows.visit(near, "tan-thanh", f"12C1004{n}", status)
        # Bound for the other gate, but in a yard that serves this one too: it fills the yard.
        for n in range(2):
            await rows.visit(shared, "huu-nghi", f"12C1005{n}")
        other = await rows.visit(elsewhere, "huu-nghi", "12C10060", VisitStatus.DISPATCHED)
        await rows.order(dispatched, now + timedelta(minutes=30))
        await rows.order(en_route, now - timedelta(minutes=5))  # late, still open: on the way
        await rows.order(other, now + timedelta(minutes=30))  # to another gate
        missed = await rows.visit(near, "tan-thanh", "12C10070", VisitStatus.WAITING)
        await rows.order(missed, now - timedelta(hours=1), OrderStatus.MISSED)
        fresh = now - POSITION_FRESH + timedelta(minutes=1)
        await rows.position(driving, "tan-thanh", *LANG_SON, fresh)
        await rows.position(
            stale, "tan-thanh", *LANG_SON, now - POSITION_FRESH - timedelta(minutes=1)
        )
        for booking_id in (parked, ordered, arrived["id"], cancelled):
            await rows.position(booking_id, "tan-thanh", *LANG_SON)
    assert cancel.status_code in (200, 204), cancel.text

    board = await _board(api)
    yards = {y["code"]: y for y in board["yards"]}
    assert list(yards) == ["bai-cu", "bai-dong-dang", "bai-tan-my"]  # by code; not bai-huu-nghi
    # Waiting 3 + the booked one 1 + dispatched 1; en route, left, arrived, lapsed are gone.
    # The truck of the missed order waits again: 6 in all.
    assert yards["bai-dong-dang"] == {
        "code": "bai-dong-dang",
        "name": "Bãi Đồng Đăng",
        "in_yard": 6,
        "capacity": 40,
        "dispatched": 1,
        "open": True,
    }
    assert (yards["bai-tan-my"]["in_yard"], yards["bai-tan-my"]["capacity"]) == (2, 8)
    assert (yards["bai-cu"]["in_yard"], yards["bai-cu"]["open"]) == (0, False)
    # Two open orders to this gate, one truck driving with a fresh position; not the stale
    # one, nor those in a yard, under an order (counted once), in the control yard, cancelled.
    assert board["on_the_way"] == 3
    other_board = await _board(api, "huu-nghi")
    assert [y["code"] for y in other_board["yards"]] == ["bai-huu-nghi", "bai-tan-my"]
    assert other_board["on_the_way"] == 1
    assert (await _board(api, "chi-ma"))["yards"] == []
    assert shut.closed_at is not None


async def test_a_yard_outside_its_opening_hours_is_shown_closed(
    api: Api, settings: Settings, bus: InMemoryEventBus
):
    hour = this_hour().hour
    async with yard_rows(settings, bus) as rows:
        # Open for one hour that is not this one, and open for this hour only.
        later = (hour + 1) % 24
        await rows.yard("bai-dem", ["tan-thanh"], opens_at=later, closes_at=later + 1)
        await rows.yard("bai-ngay", ["tan-thanh"], opens_at=hour, closes_at=hour + 1)
    opened = {y["code"]: y["open"] for y in (await _board(api))["yards"]}
    assert opened == {"bai-dem": False, "bai-ngay": True}


async def test_the_gates_page_shows_each_yards_occupancy_and_the_trucks_on_the_way(
    api: Api, settings: Settings, bus: InMemoryEventBus
):
    async with yard_rows(settings, bus) as rows:
        yard = await rows.yard("bai-dong-dang", ["tan-thanh", "huu-nghi"], capacity=40)
        for n in range(3):
            await rows.visit(yard, "tan-thanh", f"12C2000{n}")
        visit = await rows.visit(yard, "tan-thanh", "12C20010", VisitStatus.DISPATCHED)
        await rows.order(visit, utc_now() + timedelta(minutes=20))
        rows.announce("dispatch.issued", gate_id=visit.gate_id)

    async def shown() -> bool:
        html = (await api.client.get("/")).text
        occupancy = dict(re.findall(r'data-yard="([a-z-]+)">(\d+/\d+)<', html))
        on_the_way = dict(re.findall(r'data-on-the-way="([a-z-]+)">(\d+)<', html))
        return occupancy == {
            "tan-thanh-bai-dong-dang": "4/40",
            "huu-nghi-bai-dong-dang": "4/40",
        } and on_the_way == {"huu-nghi": "0", "tan-thanh": "1", "coc-nam": "0", "chi-ma": "0"}

    await eventually(shown)


@pytest.fixture
async def slow_ticking(settings: Settings, bus: InMemoryEventBus) -> AsyncIterator[tuple[Api, str]]:
    """A served platform whose projector rebuilds only when an event marks a board: its
    periodic rebuild would take two minutes."""
    app = app_for(settings, bus)
    projector = app.state.platform.live.projector
    projector.tick_seconds = projector.refresh = 120.0
    async with served(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        yield Api(client), base.replace("http://", "ws://")


def _in_yard(viewer: Viewer, code: str, count: int) -> Any:
    async def check() -> bool:
        state = viewer.follower.state
        yards = {y["code"]: y["in_yard"] for y in (state or {}).get("yards", [])}
        return yards.get(code) == count

    return check


@pytest.mark.parametrize("backend", ["sqlite"])  # the projector's marking, not the database
async def test_yard_and_dispatch_events_refresh_every_board_the_yard_is_on_without_a_tick(
    slow_ticking: tuple[Api, str], settings: Settings, bus: InMemoryEventBus
):
    """An event naming the yard (``yard_id``) marks every gate the yard serves; one naming a
    gate by id (``gate_id``) marks that gate: the board moves long before the periodic
    rebuild (two minutes here) would have found the change."""
    _, ws = slow_ticking
    here = Viewer(f"{ws}/ws/v1/gates/tan-thanh/board")
    there = Viewer(f"{ws}/ws/v1/gates/huu-nghi/board")
    async with yard_rows(settings, bus) as rows:
        yard = await rows.yard("bai-tan-my", ["tan-thanh", "huu-nghi"], capacity=8)
        first = await rows.visit(yard, "tan-thanh", "12C30001")
        rows.announce("yard.entered", yard_id=yard.id)  # a yard this projector has not met
    await eventually(_in_yard(here, "bai-tan-my", 1), within=10)
    await eventually(_in_yard(there, "bai-tan-my", 1), within=10)

    async with yard_rows(settings, bus) as rows:
        await rows.visit(yard, "huu-nghi", "12C30002")
        rows.announce("yard.entered", yard_id=yard.id)  # known now: both its gates
    await eventually(_in_yard(here, "bai-tan-my", 2), within=10)
    await eventually(_in_yard(there, "bai-tan-my", 2), within=10)

    async with yard_rows(settings, bus) as rows:
        await rows.order(first, utc_now() + timedelta(minutes=30))
        rows.announce("dispatch.issued", gate_id=first.gate_id)

    async def on_the_way() -> bool:
        return (here.follower.state or {}).get("on_the_way") == 1

    await eventually(on_the_way, within=10)
    await here.close()
    await there.close()

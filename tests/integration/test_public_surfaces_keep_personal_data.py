"""No public surface carries personal data: with a truck, its driver, a yard visit, a dispatch
order, driver links and shared positions all made with distinctive values, every answer an
anonymous caller can get is scanned for them: every GET route of the app (pages, the API, the
docs), filled with every identifier the test knows (an id is no credential), every websocket
route of the app, and the boards' broadcast server, followed live while the rows change.
The statistics' rollups are brought up to date first, and the transparency page and the
open-data API are asked for the days the bookings are in, with the enterprise's name and tax
code among what must not show.

Generic on purpose: the routes are read from the app itself, so a route added later is
scanned without a line here; the OpenAPI document's public GET routes (those with no
``security``) are checked to be among them."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import websockets
from litestar import Litestar
from litestar.routes import HTTPRoute, WebSocketRoute
from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.statistics.public import local_day
from gate.statistics.update import update_statistics
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Yard
from gate.store.unit_of_work import UnitOfWork
from tests.apps import app_for
from tests.asgi import served
from tests.helpers import Api, open_all_day, tomorrow_at
from tests.live import Viewer, eventually
from tests.yards import dispatched_by_hand, enters_yard, yard, yard_device, yard_enterprise
from tests.yards_board_rows import yard_rows

PLATE, PLATE_NORMAL = "12C-987.65", "12C98765"
OTHER_PLATE, OTHER_NORMAL = "12C-986.54", "12C98654"
WALK_IN = "29H55544"
DRIVER = {"full_name": "Hoàng Thị Bảo Mật", "id_number": "001299887766", "phone": "0971234987"}
# Coordinates whose digits are nowhere else: the whole numbers and the decimals alone.
WHERE = (21.987123, 106.741852)
OTHER_WHERE = (21.876543, 106.615243)
COORDINATE_TEXTS = {"21.987123", "106.741852", "987123", "741852", "876543", "615243"}
ENTERPRISE = {"name": "Công ty TNHH Sầu Riêng Kín Đáo", "tax_code": "4977123401"}


@pytest.fixture
async def platform(
    settings: Settings, bus: InMemoryEventBus
) -> AsyncIterator[tuple[Litestar, Api, str, str]]:
    """The app served with its boards' server: the app, the API, the app's websocket base and
    the boards' server's base."""
    app = app_for(dataclasses.replace(settings, boards_port=0), bus)
    async with served(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        boards = f"ws://127.0.0.1:{app.state.platform.boards_port}"
        yield app, Api(client), base.replace("http://", "ws://"), boards


def _path_values(name: str, known: dict[str, list[str]]) -> list[str]:
    """What to put in a path parameter named ``name``: every value the test knows of a kind
    the name may mean (a code: a gate's, a yard's, an order's; an id: anything's)."""
    if name == "file_path":
        return ["board.js"]
    if "code" in name:
        return known["codes"]
    return known["ids"] + ["x"]


def _urls(path: str, params: dict[str, Any], known: dict[str, list[str]]) -> list[str]:
    names = list(params)
    choices = [_path_values(name, known) for name in names]
    urls = []
    for values in itertools.product(*choices):
        url = path
        for name, value in zip(names, values, strict=True):
            url = re.sub(r"\{" + name + r":[a-z]+\}", value, url)
        urls.append(url)
    return urls


async def _anonymous_answers(
    app: Litestar, base: str, ws: str, known: dict[str, list[str]]
) -> tuple[dict[str, str], dict[str, str]]:
    """Every GET route's answer (status aside: a refusal is public too) and every websocket
    route's first message, asked by nobody."""
    pages: dict[str, str] = {}
    frames: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as anonymous:
        for route in app.routes:
            if isinstance(route, HTTPRoute) and "GET" in route.methods:
                for url in _urls(route.path, route.path_parameters, known):
                    pages[url] = (await anonymous.get(url)).text
            elif isinstance(route, WebSocketRoute):
                for url in _urls(route.path, route.path_parameters, known):
                    frames[url] = await _first_frame(f"{ws}{url}")
    return pages, frames


async def _first_frame(url: str) -> str:
    try:
        async with websockets.connect(url, open_timeout=10) as socket:
            return str(await asyncio.wait_for(socket.recv(), 10))
    except (websockets.ConnectionClosed, websockets.InvalidStatus):
        return ""  # refused: nothing was sent


def _counted(viewer: Viewer) -> Any:
    async def check() -> bool:
        state = viewer.follower.state or {}
        yards = {y["code"]: y["in_yard"] for y in state.get("yards", [])}
        return yards.get("bai-bao-mat") == 2 and state.get("on_the_way") == 2

    return check


async def test_no_public_page_route_or_message_carries_a_plate_a_name_a_phone_or_a_position(
    platform: tuple[Litestar, Api, str, str], settings: Settings, bus: InMemoryEventBus
):
    app, api, ws, boards = platform
    await open_all_day(api)
    viewers = [Viewer(f"{base}/ws/v1/gates/tan-thanh/board") for base in (ws, boards)]
    enterprise = await api.enterprise(**ENTERPRISE)
    driver = await api.client.post("/api/v1/drivers", json=DRIVER, headers=enterprise.headers)
    assert driver.status_code == 201, driver.text
    bookings = []
    for plate in (PLATE, OTHER_PLATE):
        vehicle = await enterprise.vehicle(plate)
        body = enterprise.booking_body(vehicle, driver.json(), tomorrow_at(10))
        booked = await api.client.post("/api/v1/bookings", json=body, headers=enterprise.headers)
        assert booked.status_code == 201, booked.text
        bookings.append(booked.json())
    driving, waiting = bookings
    # Through the API, as the product makes them: the yard, its camera's reads (the waiting
    # truck and a walk-in), the operator's order, the driver links and the positions shared.
    yard_code = await yard(api, await yard_enterprise(api), capacity=30, code="bai-bao-mat")
    entry = await yard_device(api, yard_code, "entry")
    visit_id = await enters_yard(api, yard_code, OTHER_PLATE, entry)
    await enters_yard(api, yard_code, WALK_IN, entry)
    order = await dispatched_by_hand(api, visit_id)
    tokens = []
    for booking, (latitude, longitude) in zip(bookings, (WHERE, OTHER_WHERE), strict=True):
        link = await api.client.post(
            f"/api/v1/bookings/{booking['id']}/driver-links", headers=enterprise.headers
        )
        assert link.status_code == 201, link.text
        tokens.append(link.json()["url"].rsplit("/d/", 1)[1])
        shared = await api.client.post(
            f"/d/{tokens[-1]}/position", json={"latitude": latitude, "longitude": longitude}
        )
        assert shared.status_code == 200, shared.text
    async with yard_rows(settings, bus) as rows:  # read only: the yard's id, for the routes
        yard_id = await rows.uow.session.scalar(select(Yard.id).where(Yard.code == yard_code))
    assert yard_id is not None
    for viewer in viewers:
        await eventually(_counted(viewer), within=15)

    known = {
        "codes": ["tan-thanh", yard_code, order["code"], driving["code"]],
        "ids": [driving["id"], waiting["id"], visit_id, order["id"], yard_id, enterprise.id],
    }
    engine = create_engine(settings)
    try:  # the rollups hold the bookings now: the statistics' pages have them to show
        await update_statistics(lambda: UnitOfWork(create_session_factory(engine), bus))
    finally:
        await engine.dispose()
    pages, frames = await _anonymous_answers(app, str(api.client.base_url), ws, known)
    # The bookings' day is tomorrow, which the open data refuses (a day to come is no
    # history): the scan reads the days up to today, and the refusal of tomorrow.
    slot_day = local_day(tomorrow_at(10))
    today = slot_day - timedelta(days=1)
    window = f"from={today - timedelta(days=2)}&to={today}"
    for url in (
        f"/api/v1/statistics/gates/tan-thanh/days?{window}",
        f"/api/v1/statistics/gates/tan-thanh/days?from={today}&to={slot_day}",
        f"/api/v1/statistics/gates/tan-thanh/typical-waits?to={today}",
        "/transparency",
    ):
        pages[url] = (await api.client.get(url)).text
    frames[f"{boards} (first frame)"] = await _first_frame(f"{boards}/ws/v1/gates/tan-thanh/board")
    for viewer in viewers:
        await viewer.close()
    followed = {
        f"viewer {n} message {m.seq}": json.dumps(m.data, ensure_ascii=False)
        for n, viewer in enumerate(viewers)
        for m in viewer.follower.messages
    }

    secrets = {PLATE, PLATE_NORMAL, OTHER_PLATE, OTHER_NORMAL, WALK_IN, *DRIVER.values()}
    secrets |= {"29H-555.44", *tokens, *COORDINATE_TEXTS, *ENTERPRISE.values()}
    scanned = {**pages, **frames, **followed}
    leaks = [(where, s) for where, text in scanned.items() for s in secrets if s in text]
    assert leaks == []

    # The scan saw what it should: the boards with the yard on them, over every road.
    assert "bai-bao-mat" in pages["/api/v1/gates/tan-thanh/board"]
    assert 'data-yard="tan-thanh-bai-bao-mat">2/30<' in pages["/"]
    assert "bai-bao-mat" in frames["/ws/v1/gates/tan-thanh/board"]
    assert "bai-bao-mat" in frames[f"{boards} (first frame)"]
    assert all(viewer.follower.messages for viewer in viewers)
    statistics = json.loads(pages[f"/api/v1/statistics/gates/tan-thanh/days?{window}"])
    assert [day["complete"] for day in statistics["days"]] == [True, True, False]
    ahead = json.loads(pages[f"/api/v1/statistics/gates/tan-thanh/days?from={today}&to={slot_day}"])
    assert ahead["status"] == 422 and ahead["field"] == "to"
    assert 'class="heat"' in pages["/transparency/tan-thanh"]
    document = json.loads(pages["/schema/openapi.json"])
    public = {
        re.sub(r"\{(\w+)\}", r"{\1:str}", path)
        for path, item in document["paths"].items()
        if "get" in item and not item["get"].get("security")
    }
    walked = {r.path for r in app.routes if isinstance(r, HTTPRoute) and "GET" in r.methods}
    assert public and public <= walked

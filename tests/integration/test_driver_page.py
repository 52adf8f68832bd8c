"""The driver's page over HTTP, on both databases: links made, listed and revoked by the
booking's own enterprise only; a revoked, expired or unknown link opens nothing; the page's
JSON answers 304 while nothing changed; positions are refused when no browser would send
them, limited per link, turned into an estimate the enterprise reads, and forgotten."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.geo import POSITION_RETENTION
from gate.domain.time import utc_now
from gate.driver_page.positions import sweep_positions, trucks_on_the_way
from gate.store.audit import history
from gate.store.tables import DriverLink, Gate, TruckPosition
from gate.store.unit_of_work import UnitOfWork
from tests.driver_rows import FAR_YARD, LANG_SON_CITY, NEAR_YARD, TAN_THANH, Rows
from tests.helpers import (
    Api,
    Enterprise,
    admin,
    browser,
    device,
    enterprise_user,
    open_all_day,
    read,
    this_hour,
)
from tests.yards import dispatched_by_hand, enters_yard, yard, yard_enterprise


@pytest.fixture
async def rows(settings: Settings, bus: InMemoryEventBus) -> AsyncIterator[Rows]:
    made = Rows(settings, bus)
    yield made
    await made.close()


async def _booked(api: Api) -> tuple[Enterprise, dict[str, Any]]:
    await open_all_day(api)
    enterprise = await api.enterprise()
    answer = await enterprise.book(this_hour(2))
    assert answer.status_code == 201, answer.text
    return enterprise, answer.json()


async def _link(api: Api, enterprise: Enterprise, booking: dict[str, Any]) -> dict[str, Any]:
    made = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/driver-links", headers=enterprise.headers
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


async def _yard(api: Api, name: str, at: tuple[float, float] | None) -> str:
    """A waiting yard serving Tân Thanh, made by the administrator through the API; its code."""
    where = {"latitude": at[0], "longitude": at[1]} if at else {"latitude": None, "longitude": None}
    return await yard(api, await yard_enterprise(api), name=name, **where)


def _path(link: dict[str, Any]) -> str:
    return "/d/" + link["url"].rsplit("/d/", 1)[1]


async def test_a_link_is_answered_once_and_only_its_hash_is_stored(api: Api, uow: UnitOfWork):
    enterprise, booking = await _booked(api)

    link = await _link(api, enterprise, booking)

    token = link["url"].rsplit("/d/", 1)[1]
    assert len(token) == 43  # 32 random bytes
    stored = await uow.session.get(DriverLink, link["id"])
    assert stored is not None
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    listed = await api.client.get(
        f"/api/v1/bookings/{booking['id']}/driver-links", headers=enterprise.headers
    )
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()] == [link["id"]]
    assert token not in listed.text and "url" not in listed.json()[0]
    assert listed.json()[0]["active"] is True
    # Three days after the booked hour's end.
    ends = datetime.fromisoformat(booking["slot_end"]) + timedelta(days=3)
    assert datetime.fromisoformat(link["expires_at"]) == ends


async def test_the_page_shows_the_truck_and_its_plate_to_the_links_holder(api: Api):
    enterprise, booking = await _booked(api)
    link = await _link(api, enterprise, booking)

    page = await api.client.get(_path(link) + "?lang=zh")

    assert page.status_code == 200
    assert booking["code"] in page.text and booking["plate"] in page.text
    assert "司机页面" in page.text
    assert "set-cookie" not in page.headers  # not a session
    assert page.headers["cache-control"] == "no-store"


async def test_another_enterprise_cannot_make_list_or_revoke_links_of_a_booking(api: Api):
    owner, booking = await _booked(api)
    stranger = await api.enterprise()
    link = await _link(api, owner, booking)
    base = f"/api/v1/bookings/{booking['id']}/driver-links"

    for method, path in (
        ("POST", base),
        ("GET", base),
        ("POST", f"{base}/{link['id']}/revoke"),
    ):
        answer = await api.client.request(method, path, headers=stranger.headers)
        assert answer.status_code == 404, (method, path)
        assert answer.json()["type"] == "/problems/not-found"
    assert (await api.client.get(_path(link))).status_code == 200


async def test_a_revoked_link_opens_nothing_and_both_changes_are_audited(api: Api, uow: UnitOfWork):
    enterprise, booking = await _booked(api)
    link = await _link(api, enterprise, booking)

    revoked = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/driver-links/{link['id']}/revoke",
        headers=enterprise.headers,
    )

    assert revoked.status_code == 200 and revoked.json()["active"] is False
    page = await api.client.get(_path(link))
    assert page.status_code == 410
    assert booking["plate"] not in page.text and booking["code"] not in page.text
    state = await api.client.get(_path(link) + "/state")
    assert state.status_code == 410
    assert state.json()["type"] == "/problems/link-gone"
    position = await api.client.post(
        _path(link) + "/position", json={"latitude": 21.9, "longitude": 106.7}
    )
    assert position.status_code == 410
    events = [row.event for row in await history(uow.session, booking["id"])]
    assert events.count("driver_link.made") == 1 and events.count("driver_link.revoked") == 1


async def test_an_expired_link_and_an_unknown_one_open_nothing(api: Api, rows: Rows):
    enterprise, booking = await _booked(api)
    link = await _link(api, enterprise, booking)
    await rows.expire_links(booking["id"])

    assert (await api.client.get(_path(link))).status_code == 410
    unknown = "A" * 43
    assert (await api.client.get(f"/d/{unknown}")).status_code == 404
    assert (await api.client.get(f"/d/{unknown}/state")).status_code == 404
    assert (await api.client.get("/d/short/state")).status_code == 404


async def test_the_state_answers_304_until_a_dispatch_order_changes_it(api: Api):
    enterprise, booking = await _booked(api)
    link = await _link(api, enterprise, booking)
    yard_code = await _yard(api, "Bãi chờ Tân Thanh 1", NEAR_YARD)
    visit = await enters_yard(api, yard_code, booking["plate"])

    first = await api.client.get(_path(link) + "/state")
    assert first.status_code == 200
    assert first.json()["road"]["yard"]["name"] == "Bãi chờ Tân Thanh 1"
    assert first.json()["step"] == "step_wait_in_yard"
    etag = first.headers["etag"]
    same = await api.client.get(_path(link) + "/state", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""

    code = (await dispatched_by_hand(api, visit))["code"]

    changed = await api.client.get(_path(link) + "/state", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    order = changed.json()["road"]["dispatch_order"]
    assert order["code"] == code and order["status"] == "open"
    assert changed.json()["step"] == "step_go_to_gate"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"latitude": 91, "longitude": 106.7}, "latitude"),
        ({"latitude": 21.9, "longitude": -181}, "longitude"),
        ({"latitude": 21.9, "longitude": 106.7, "accuracy_m": -1}, "accuracy_m"),
        ({"latitude": 21.9, "longitude": 106.7, "accuracy_m": 1e9}, "accuracy_m"),
        ({"latitude": "north", "longitude": 106.7}, None),
        ({"longitude": 106.7}, None),
        ({"latitude": 21.9, "longitude": 106.7, "speed": 3}, None),
    ],
)
async def test_the_position_endpoint_refuses_what_no_browser_sends(
    api: Api, uow: UnitOfWork, body: dict[str, Any], field: str | None
):
    enterprise, booking = await _booked(api)
    link = await _link(api, enterprise, booking)

    answer = await api.client.post(_path(link) + "/position", json=body)

    assert 400 <= answer.status_code < 500
    assert answer.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert answer.status_code == 422 and answer.json()["field"] == field
    assert await uow.session.scalar(select(func.count()).select_from(TruckPosition)) == 0


async def test_positions_are_limited_per_link(api: Api):
    enterprise, booking = await _booked(api)
    link = await _link(api, enterprise, booking)
    body = {"latitude": LANG_SON_CITY[0], "longitude": LANG_SON_CITY[1], "accuracy_m": 20}

    answers = [
        (await api.client.post(_path(link) + "/position", json=body)).status_code for _ in range(8)
    ]

    # 6 a minute. The limit is a sliding-window counter (gate/throttling.py): a burst that
    # crosses a minute of the clock weighs the last minute's hits a little under their number
    # and lets one more through; never two.
    assert answers[:6] == [200] * 6
    assert answers[6:] in ([429, 429], [200, 429])


async def test_a_shared_position_heads_for_the_nearest_open_yard_and_the_enterprise_sees_it(
    api: Api, rows: Rows
):
    enterprise, booking = await _booked(api)
    link = await _link(api, enterprise, booking)
    await rows.place_gate("tan-thanh", TAN_THANH)
    await _yard(api, "Bãi xa", FAR_YARD)
    near = await _yard(api, "Bãi gần", NEAR_YARD)
    shut = await _yard(api, "Bãi đóng cửa", LANG_SON_CITY)
    closed = await api.client.post(f"/api/v1/yards/{shut}/out-of-service", headers=admin())
    assert closed.status_code == 200, closed.text
    await _yard(api, "Bãi không có toạ độ", None)
    # A truck up at the border, past the far yard: the near one is nearer.
    body = {"latitude": 21.94, "longitude": 106.715, "accuracy_m": 30}

    shared = await api.client.post(_path(link) + "/position", json=body)

    assert shared.status_code == 200, shared.text
    assert shared.json()["destination"] == "yard"
    assert shared.json()["destination_name"] == "Bãi gần"
    seen = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers)
    arrival = seen.json()["road"]["arrival"]
    assert arrival["destination"] == "yard" and arrival["destination_name"] == "Bãi gần"
    assert arrival["estimated_at"] is not None
    listed = await api.client.get("/api/v1/bookings", headers=enterprise.headers)
    assert listed.json()["items"][0]["road"]["arrival"] == arrival

    # Once the truck holds an open order it heads for the gate.
    await dispatched_by_hand(api, await enters_yard(api, near, booking["plate"]))
    await api.client.post(_path(link) + "/position", json=body)
    seen = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers)
    road = seen.json()["road"]
    assert road["arrival"]["destination"] == "gate"
    assert road["yard"]["name"] == "Bãi gần" and road["dispatch_order"]["status"] == "open"


async def test_positions_are_swept_after_their_retention_and_once_the_truck_is_at_the_gate(
    api: Api, rows: Rows
):
    first_enterprise, first = await _booked(api)
    second = (await first_enterprise.book(this_hour(2))).json()
    body = {"latitude": LANG_SON_CITY[0], "longitude": LANG_SON_CITY[1]}
    for booking in (first, second):
        link = await _link(api, first_enterprise, booking)
        assert (await api.client.post(_path(link) + "/position", json=body)).status_code == 200
    async with rows.unit_of_work() as uow:
        assert await sweep_positions(uow, utc_now()) == 0
        await uow.commit()
    at_gate = await api.client.post(
        "/api/v1/gates/tan-thanh/checkins", json=read(second["plate"]), headers=await device(api)
    )
    assert at_gate.json()["outcome"] in ("early", "on_time"), at_gate.text
    async with rows.unit_of_work() as uow:
        assert await sweep_positions(uow, utc_now()) == 1
        await uow.commit()
    async with rows.unit_of_work() as uow:
        later = utc_now() + POSITION_RETENTION + timedelta(seconds=1)
        assert await sweep_positions(uow, later) == 1
        await uow.commit()
        assert await uow.session.scalar(select(func.count()).select_from(TruckPosition)) == 0


async def test_trucks_on_the_way_count_orders_and_fresh_positions_once_each(
    api: Api, uow: UnitOfWork
):
    enterprise, driving = await _booked(api)
    ordered = (await enterprise.book(this_hour(2))).json()
    waiting = (await enterprise.book(this_hour(2))).json()
    yard_code = await _yard(api, "Bãi chờ", NEAR_YARD)
    body = {"latitude": LANG_SON_CITY[0], "longitude": LANG_SON_CITY[1]}
    for booking in (driving, ordered, waiting):
        link = await _link(api, enterprise, booking)
        assert (await api.client.post(_path(link) + "/position", json=body)).status_code == 200
    await enters_yard(api, yard_code, waiting["plate"])  # in a yard: not on the way
    # Counted once, by its order.
    await dispatched_by_hand(api, await enters_yard(api, yard_code, ordered["plate"]))

    gate_id = await uow.session.scalar(select(Gate.id).where(Gate.code == "tan-thanh"))
    assert gate_id is not None
    assert await trucks_on_the_way(uow, gate_id, utc_now()) == 2
    # Positions go stale; the order still counts.
    stale = utc_now() + timedelta(minutes=16)
    assert await trucks_on_the_way(uow, gate_id, stale) == 1


async def test_no_position_or_plate_reaches_the_public_board_or_the_front_page(api: Api):
    enterprise, booking = await _booked(api)
    link = await _link(api, enterprise, booking)
    body = {"latitude": 21.87654, "longitude": 106.76543}
    assert (await api.client.post(_path(link) + "/position", json=body)).status_code == 200

    for path in ("/api/v1/gates/tan-thanh/board", "/", "/board/tan-thanh"):
        answer = await api.client.get(path)
        assert answer.status_code == 200
        for secret in (booking["plate"], booking["code"], "21.876", "106.765"):
            assert secret not in answer.text, (path, secret)


async def test_the_portal_shows_a_new_link_and_its_qr_code_once_and_the_trucks_road(api: Api):
    enterprise, booking = await _booked(api)
    csrf = await browser(api, await enterprise_user(api, enterprise))
    yard_code = await _yard(api, "Bãi chờ Km5", NEAR_YARD)
    order = await dispatched_by_hand(api, await enters_yard(api, yard_code, booking["plate"]))
    code = order["code"]

    made = await api.client.post(
        f"/portal/bookings/{booking['id']}/driver-links", data={}, headers=csrf
    )

    assert made.status_code == 200, made.text
    url = re.search(r'id="driver-link-url">([^<]+)<', made.text)
    assert url is not None and "/d/" in url.group(1)
    assert made.text.count("<svg") == 2  # the booking's QR code and the link's
    opened = await api.client.get(url.group(1).split("/d/", 1)[1].join(["/d/", ""]))
    assert opened.status_code == 200
    again = await api.client.get(f"/portal/bookings/{booking['id']}")
    assert url.group(1) not in again.text
    assert "Bãi chờ Km5" in again.text and code in again.text
    listed = await api.client.get("/portal/")
    assert code in listed.text

"""The public board as people use it (issue 16): a yard's wall read from across the yard, in
Vietnamese and Chinese at once, with the gate's clock, readable notices and the called trucks
with their lanes; a phone's board that fits the phone; and a board whose connection drops and
comes back with nothing new shows "live" again within seconds, and with news shows it (the
drop is real: a proxy in front of the boards' server resets every connection and refuses new
ones, then lets them through again)."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import LOCAL_TZ, utc_now
from tests.apps import app_for
from tests.asgi import served
from tests.browser.conftest import screenshot_path
from tests.browser.cut_proxy import CutProxy
from tests.helpers import Api, device, officer, open_all_day, read, this_hour

GATE = "/api/v1/gates/tan-thanh"
WALL = {"width": 1920, "height": 1080}
# WCAG's contrast of a text's colour against the first opaque background behind it.
CONTRAST = """(selector) => {
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const channel = (c) => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = ([r, g, b]) =>
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const opaque = (node) => (rgb(getComputedStyle(node).backgroundColor)[3] ?? 1) > 0;
  const node = document.querySelector(selector);
  let behind = node;
  while (behind && !opaque(behind)) behind = behind.parentElement;
  const back = behind ? rgb(getComputedStyle(behind).backgroundColor) : [255, 255, 255];
  const ours = luminance(rgb(getComputedStyle(node).color));
  const [light, dark] = [ours, luminance(back)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}"""


@pytest.fixture
async def proxied_site(
    settings: Settings, bus: InMemoryEventBus
) -> AsyncIterator[tuple[str, Api, CutProxy]]:
    """The platform with its boards' server behind a proxy the test can cut: the pages open
    their boards at the proxy (GATE_BOARDS_URL, as behind a production proxy)."""
    proxy = CutProxy()
    url = f"ws://127.0.0.1:{proxy.port}"
    app = app_for(dataclasses.replace(settings, boards_port=0, boards_url=url), bus)
    async with (
        served(app) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        proxy.target_port = app.state.platform.boards_port
        await proxy.start()
        try:
            api = Api(client)
            await open_all_day(api)
            yield base, api, proxy
        finally:
            await proxy.stop()


async def test_a_board_whose_connection_drops_and_returns_with_no_change_shows_live_within_seconds(
    proxied_site: tuple[str, Api, CutProxy], browser: Browser
):
    base, api, proxy = proxied_site
    context = await browser.new_context(base_url=base, locale="vi-VN")
    board = await context.new_page()
    await board.goto("/board/tan-thanh")
    connection = board.locator("#connection")
    await expect(connection).to_have_attribute("data-state", "live")
    socket_url = await board.evaluate("window.boardSocket.url")
    assert socket_url == f"ws://127.0.0.1:{proxy.port}/ws/v1/gates/tan-thanh/board"
    seq = await board.locator("#board").get_attribute("data-seq")
    assert seq
    through = proxy.accepted

    await proxy.cut()
    await expect(connection).to_have_attribute("data-state", "reconnecting")
    await expect(connection).to_contain_text("Đang kết nối lại")
    await asyncio.sleep(1.5)  # the page tries again meanwhile, and is refused
    await expect(connection).to_have_attribute("data-state", "reconnecting")

    await proxy.start()
    back = time.monotonic()
    await expect(connection).to_have_attribute("data-state", "live", timeout=8000)
    await expect(connection).to_contain_text("Trực tuyến")
    assert time.monotonic() - back < 8
    # It came back through the proxy, asked for what it missed, and nothing came: the gate
    # did not change (a message would have moved the board's seq).
    assert proxy.accepted > through
    assert await board.evaluate("window.boardSocket.url") == f"{socket_url}?since={seq}"
    assert await board.locator("#board").get_attribute("data-seq") == seq

    # And with news: a truck checks in while the board is cut off; back, it shows it.
    await proxy.cut()
    await expect(connection).to_have_attribute("data-state", "reconnecting")
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour())).json()
    await api.client.post(
        f"{GATE}/checkins", json=read(booking["plate"]), headers=await device(api)
    )
    await proxy.start()
    await expect(connection).to_have_attribute("data-state", "live", timeout=8000)
    await expect(board.locator("[data-direction=export] .waiting-total")).to_have_text("1")
    await context.close()


async def _busy_gate(api: Api) -> list[dict[str, Any]]:
    """Two trucks in the yard, one of them called to lane X1, and a notice; returns their
    bookings."""
    operator = await officer(api, "gate_operator")
    enterprise = await api.enterprise()
    camera = await device(api)
    bookings = [(await enterprise.book(this_hour())).json() for _ in range(2)]
    for booking in bookings:
        checked = await api.client.post(
            f"{GATE}/checkins", json=read(booking["plate"]), headers=camera
        )
        assert checked.json()["outcome"] == "on_time", checked.text
    called = await api.client.post(f"{GATE}/lanes/X1/call-next", headers=operator)
    assert called.json()["called"] is not None, called.text
    notice = {"text": "Mưa lớn, xe đi chậm / 大雨，车辆慢行"}
    posted = await api.client.post(f"{GATE}/notices", json=notice, headers=operator)
    assert posted.is_success, posted.text
    return bookings


def _gate_minutes() -> set[str]:
    """The gate's clock now, as HH:MM, and the minutes either side (a test may cross one)."""
    now = utc_now().astimezone(LOCAL_TZ)
    return {(now + timedelta(minutes=m)).strftime("%H:%M") for m in (-1, 0, 1)}


async def _font_px(page: Page, selector: str) -> float:
    size = await page.locator(selector).first.evaluate("(n) => getComputedStyle(n).fontSize")
    return float(size.removesuffix("px"))


async def test_the_wall_shows_both_languages_the_gates_clock_readable_notices_and_called_lanes(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    bookings = await _busy_gate(api)
    truth = (await api.client.get(f"{GATE}/board")).json()
    export_truth = next(d for d in truth["directions"] if d["direction"] == "export")
    masked = export_truth["called"][0]["plate"]
    assert "•" in masked

    # A yard's computer set to English and to Beijing's clock: the wall speaks Vietnamese and
    # Chinese, and shows the gate's time.
    context = await browser.new_context(
        base_url=base, locale="en-US", timezone_id="Asia/Shanghai", viewport=WALL
    )
    wall = await context.new_page()
    await wall.goto("/board/tan-thanh?layout=wall")
    await expect(wall.locator("#connection")).to_have_attribute("data-state", "live")
    assert await wall.evaluate("document.documentElement.lang") == "vi"
    export = wall.locator("[data-direction=export]")
    await expect(export.locator("h2 [lang=vi]")).to_have_text("Xuất")
    await expect(export.locator("h2 [lang=zh]")).to_have_text("出口")
    await expect(wall.locator("#connection [lang=zh]").first).to_contain_text("实时")
    await expect(export.locator(".waiting-total")).to_have_text("1")

    # The called truck: its masked plate and its lane, large; never the full plate.
    called = export.locator(".called-list .called")
    await expect(called).to_have_count(1)
    await expect(called.locator(".plate")).to_have_text(masked)
    await expect(called.locator(".lane-code")).to_have_text("X1")
    await expect(called.locator(".to-lane [lang=zh]")).to_have_text("车道")
    shown = await wall.locator("body").inner_text()
    assert not [b["plate"] for b in bookings if b["plate"] in shown]
    # Read from across a yard: sized by the screen (a 1080-line wall), not 25.6 px.
    assert await _font_px(wall, "[data-direction=export] .waiting-total") >= 100
    assert await _font_px(wall, "[data-direction=export] .called .plate") >= 60
    assert await _font_px(wall, "[data-direction=export] .called .lane-code") >= 60
    assert await _font_px(wall, "#clock") >= 60

    # The gate's clock (UTC+7), named, while the computer's says UTC+8.
    assert await wall.locator("#clock").inner_text() in _gate_minutes()
    zone = wall.locator(".clock .zone")
    await expect(zone).to_contain_text("UTC+07:00")
    await expect(zone.locator("[lang=vi]")).to_have_text("Giờ tại cửa khẩu")
    await expect(zone.locator("[lang=zh]")).to_have_text("口岸时间")

    # The notice and the status line readable: at least WCAG AA (they were 1.01 and 2.96).
    await expect(wall.locator("#notices")).to_contain_text("Mưa lớn")
    assert await wall.evaluate(CONTRAST, "#notices li") >= 4.5
    assert await wall.evaluate(CONTRAST, "#connection") >= 4.5
    assert await _font_px(wall, "#notices li") >= 30

    # The live regions: who is called and the notices are announced when they change.
    assert await export.locator(".called-list").get_attribute("aria-live") == "polite"
    assert await wall.locator("#notices").get_attribute("aria-live") == "polite"
    results = await Axe().run(wall)
    assert results.violations_count == 0, results.generate_report()
    await wall.screenshot(path=screenshot_path("board-wall-called"))
    await context.close()


async def test_a_phone_board_fits_the_phone_in_one_language_on_the_gates_clock(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    await _busy_gate(api)
    # A Chinese driver's phone: Chinese, on Beijing's clock, an hour ahead of the gate's.
    context = await browser.new_context(
        base_url=base,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 360, "height": 740},
        is_mobile=True,
    )
    phone = await context.new_page()
    await phone.goto("/board/tan-thanh")
    await expect(phone.locator("#connection")).to_have_attribute("data-state", "live")
    export = phone.locator("[data-direction=export]")
    await expect(export.locator("h2")).to_have_text("出口")
    await expect(export.locator(".called .lane-code")).to_have_text("X1")
    # One language off the wall (the language picker names each language in its own).
    assert await phone.locator("#board [lang=vi]").count() == 0
    assert await phone.locator("#clock").inner_text() in _gate_minutes()
    await expect(phone.locator(".clock .zone")).to_contain_text(re.compile(r"口岸时间.*UTC\+07:00"))
    # Nothing wider than the phone: the page does not scroll sideways.
    widths = await phone.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
    # The board's own part (the header's language buttons are every page's, checked there).
    results = await Axe().run(phone, context="main")
    assert results.violations_count == 0, results.generate_report()
    await phone.screenshot(path=screenshot_path("board-phone-called"), full_page=True)
    await context.close()

"""The portal's booking pages in Chromium: a double-clicked booking form shows the booking
(issue 16's acceptance), with the page's script and without it; rescheduling from the week's
calendar, where full hours are not offered; the lane shown once the truck is called; the
slip printed alone; no page wider than a 375 px phone."""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import UTC
from typing import Any

from playwright.async_api import Browser, Page, Route, expect
from playwright.async_api import Error as PlaywrightError

from services.web.locale_format import when
from tests.browser.conftest import screenshot_path
from tests.browser.test_pages import PASSWORD, _enterprise_user
from tests.helpers import Api, device, officer, read, this_hour, tomorrow_at


async def _portal(browser: Browser, base: str, email: str, **options: Any) -> Page:
    context = await browser.new_context(base_url=base, locale="vi-VN", **options)
    page = await context.new_page()
    await page.goto("/sign-in?next=/portal")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.card button")
    await page.wait_for_url(re.compile("/portal"))
    return page


class SlowNetwork:
    """Posts whose answers reach the browser half a second after the server gave them, as on
    a busy mobile network, so that a double click's second click comes while the first post
    is on its way; ``answered``: the statuses the server gave, one per post it received."""

    def __init__(self) -> None:
        self.answered: list[int] = []
        self.first_received = asyncio.Event()

    async def route(self, route: Route) -> None:
        if route.request.method != "POST":
            await route.continue_()
            return
        answer = await route.fetch(max_redirects=0)
        self.answered.append(answer.status)
        self.first_received.set()
        await asyncio.sleep(0.5)
        # The browser may have dropped this navigation for the second post's.
        with contextlib.suppress(PlaywrightError):
            await route.fulfill(response=answer)

    async def double_click(self, page: Page, selector: str) -> None:
        """Two clicks at the button's place, the second once the server has the first post
        (a person's double click on a slow line; Playwright's own dblclick is so quick that
        the browser replaces the first post before sending it)."""
        button = page.locator(selector)
        await button.scroll_into_view_if_needed()
        box = await button.bounding_box()
        assert box is not None
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        await page.mouse.click(x, y)
        await asyncio.wait_for(self.first_received.wait(), 10)
        await page.mouse.click(x, y)


async def _bookings_of(api: Api, enterprise: Any) -> list[dict[str, Any]]:
    listed = await api.client.get("/api/v1/bookings", headers=enterprise.headers)
    assert listed.status_code == 200, listed.text
    return list(listed.json()["items"])


async def test_a_double_clicked_booking_form_shows_the_booking(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    enterprise, email = await _enterprise_user(api)
    await enterprise.driver()
    for scripts in (True, False):
        vehicle = await enterprise.vehicle()
        page = await _portal(browser, base, email, java_script_enabled=scripts)
        network = SlowNetwork()
        await page.route("**/portal/book", network.route)
        await page.goto("/portal/book?gate=tan-thanh&direction=export")
        await page.locator("#booking-form input[name=slot_start]").first.check()
        await page.select_option("#booking-form select[name=vehicle_id]", vehicle["id"])
        await page.fill("#booking-form input[name=description]", "Thanh long ruột đỏ")
        await page.fill("#booking-form input[name=weight_kg]", "15000")
        await network.double_click(page, "#booking-form button")

        # Polled, not awaited as one navigation: without scripts the second click's post
        # replaces the first's navigation, which the browser aborts (ERR_ABORTED; waiting on
        # that navigation failed one run in four), and the second's answer lands on the page.
        await expect(page).to_have_url(re.compile(r"/portal/bookings/\w+"))
        await expect(page.locator("#booking-code")).to_be_visible()
        await expect(page.locator(".flash.error")).to_have_count(0)
        await expect(page.locator("#live-status .status")).to_have_attribute(
            "data-status", "booked"
        )
        mine = [b for b in await _bookings_of(api, enterprise) if b["vehicle_id"] == vehicle["id"]]
        assert len(mine) == 1, mine
        assert mine[0]["code"] in await page.locator("#booking-code").inner_text()
        # The page's script keeps the second click from posting; without it the server gets
        # both posts and answers the second with the first one's booking.
        assert network.answered == ([303] if scripts else [303, 303]), network.answered
        await page.context.close()


async def test_an_enterprise_reschedules_from_the_calendar_where_a_full_hour_is_not_offered(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    enterprise, email = await _enterprise_user(api)
    booking = (await enterprise.book(tomorrow_at(9))).json()
    await api.set_capacity(tomorrow_at(10), 0)
    page = await _portal(browser, base, email)
    await page.goto(f"/portal/bookings/{booking['id']}")

    def cell(hour: int) -> Any:
        slot = tomorrow_at(hour).astimezone(UTC).isoformat()
        return page.locator(f"#reschedule-form td[data-slot='{slot}']")

    await expect(cell(9)).to_have_class(re.compile("yours"))
    await expect(cell(10)).to_have_class(re.compile("full"))
    await expect(cell(10).locator("input")).to_have_count(0)
    # A row's days side by side (a board's ".free" list once laid the cells out as a column).
    later = page.locator(
        f"#reschedule-form td[data-slot='{tomorrow_at(11, days=2).astimezone(UTC).isoformat()}']"
    )
    here, there = await cell(11).bounding_box(), await later.bounding_box()
    assert here and there and here["y"] == there["y"] and there["x"] > here["x"], (here, there)
    await cell(11).locator("input").check()
    await page.screenshot(path=screenshot_path("portal-reschedule"), full_page=True)
    await page.click("#reschedule-form button")
    # The slip says the hour as Babel writes it in the page's language (vi here).
    await expect(page.locator("#slot")).to_have_text(when(tomorrow_at(11), "vi", year=True))
    await expect(page.locator(".flash")).to_contain_text("Đã đổi sang")
    await expect(page.locator("#history")).to_contain_text("Đổi từ")
    await expect(page.locator("#history")).not_to_contain_text("booking.")
    await expect(cell(11)).to_have_class(re.compile("yours"))


async def test_the_lane_shows_when_the_truck_is_called_and_the_slip_prints_alone(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    enterprise, email = await _enterprise_user(api)
    booking = (await enterprise.book(this_hour())).json()
    checked = await api.client.post(
        "/api/v1/gates/tan-thanh/checkins", json=read(booking["plate"]), headers=await device(api)
    )
    assert checked.status_code in (200, 201), checked.text
    page = await _portal(browser, base, email)
    await page.goto(f"/portal/bookings/{booking['id']}")
    await expect(page.locator("#live-status .status")).to_have_attribute("data-status", "arrived")
    await expect(page.locator("#lane-line")).to_be_hidden()

    operator = await officer(api, "gate_operator")
    called = await api.client.post("/api/v1/gates/tan-thanh/lanes/X1/call-next", headers=operator)
    assert called.status_code == 200, called.text
    await expect(page.locator("#lane-line")).to_be_visible()
    await expect(page.locator("#lane-line .lane-code")).to_have_text("X1")
    await page.reload()
    await expect(page.locator("#lane-line .lane-code")).to_have_text("X1")
    await expect(page.locator("#history")).to_contain_text("Được gọi vào làn X1")

    await page.click("#driver-link-form button")
    await expect(page.locator("#driver-link-url")).to_be_visible()
    url = await page.locator("#driver-link-url").inner_text()
    sms = await page.locator("#sms-driver-link").get_attribute("href")
    assert sms is not None and sms.startswith("sms:") and url.replace(":", "%3A") in sms

    await page.emulate_media(media="print")
    await expect(page.locator("#slip")).to_be_visible()
    await expect(page.locator("#slip .qr svg")).to_be_visible()
    for hidden in ("header.top", "#history", "#driver-links", "#print-slip"):
        await expect(page.locator(hidden)).to_be_hidden()


async def test_the_booking_pages_fit_a_phone_without_scrolling_sideways(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    enterprise, email = await _enterprise_user(api)
    booking = (await enterprise.book(tomorrow_at(9))).json()
    for hour in (10, 11):
        await enterprise.book(tomorrow_at(hour))
    page = await _portal(
        browser, base, email, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    for path in ("/portal", "/portal/book", f"/portal/bookings/{booking['id']}"):
        await page.goto(path)
        wide = await page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 375, (path, wide)
        await page.screenshot(
            path=screenshot_path(f"phone{path.replace('/', '-')}"), full_page=True
        )
    await page.goto("/portal/book")
    # The calendar scrolls inside its box instead.
    box = page.locator(".calendar-box")
    assert await box.evaluate("b => b.scrollWidth > b.clientWidth")

"""The driver's page on a phone, in a real browser: opened from the link the enterprise made
through the API for a truck the yard's entry camera checked in, it shows the dispatch order
the moment the gate's operator issues one through the API (no reload), shares the
truck's position when the driver asks, the enterprise then reads the arrival estimate, and a
revoked link stops working on the open page."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from tests.browser.conftest import screenshot_path
from tests.driver_rows import LANG_SON_CITY, NEAR_YARD, TAN_THANH, Rows
from tests.helpers import Api, officer, this_hour
from tests.yards import yard, yard_device, yard_enterprise, yard_read

PHONE = {"width": 390, "height": 844}
LIVE = 20_000  # ms: a few polls of the page (every 5 s)


async def test_a_driver_follows_the_dispatch_order_and_shares_the_position_from_the_link(
    site: tuple[str, Api], browser: Browser, settings: Settings, bus: InMemoryEventBus
):
    base, api = site
    rows = Rows(settings, bus)
    try:
        enterprise = await api.enterprise()
        booked = await enterprise.book(this_hour(2))
        assert booked.status_code == 201, booked.text
        booking = booked.json()
        await rows.place_gate("tan-thanh", TAN_THANH)
        # The yard and its entry camera, made by the administrator; the truck drives in.
        owner = await yard_enterprise(api)
        yard_code = await yard(
            api, owner, name="Bãi chờ Km3", latitude=NEAR_YARD[0], longitude=NEAR_YARD[1]
        )
        entered = await api.client.post(
            f"/api/v1/yards/{yard_code}/checkins",
            json=yard_read(booking["plate"]),
            headers=await yard_device(api, yard_code, "entry"),
        )
        assert entered.status_code == 200, entered.text
        # The gate's operator pauses the automatic dispatch: the order comes by hand, below.
        operator = await officer(api, "gate_operator")
        paused = await api.client.put(
            "/api/v1/gates/tan-thanh/dispatch/export",
            json={"target": 5, "deadline_minutes": 60, "paused": True, "reason": "Chờ lệnh"},
            headers=operator,
        )
        assert paused.status_code == 200, paused.text
        made = await api.client.post(
            f"/api/v1/bookings/{booking['id']}/driver-links", headers=enterprise.headers
        )
        assert made.status_code == 201, made.text
        link = made.json()
        assert link["url"].startswith(f"{base}/d/")

        context = await browser.new_context(
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            locale="vi-VN",
            geolocation={"latitude": LANG_SON_CITY[0], "longitude": LANG_SON_CITY[1]},
            permissions=["geolocation"],
        )
        page = await context.new_page()
        await page.goto(link["url"])
        await expect(page.locator("#plate")).to_have_text(booking["plate"])
        await expect(page.locator("#yard")).to_have_text("Bãi chờ Km3")
        await expect(page.locator("#step")).to_have_attribute("data-step", "step_wait_in_yard")
        await expect(page.locator("#order")).to_be_hidden()
        await expect(page.locator("#updated")).to_contain_text("Cập nhật lúc", timeout=LIVE)

        dispatched = await api.client.post(
            "/api/v1/gates/tan-thanh/dispatch-orders",
            json={"visit_id": entered.json()["visit_id"]},
            headers=operator,
        )
        assert dispatched.status_code == 201, dispatched.text
        code = dispatched.json()["code"]

        await expect(page.locator("#order")).to_be_visible(timeout=LIVE)
        await expect(page.locator("#order-code")).to_have_text(code)
        await expect(page.locator("#order-gate")).to_contain_text("Tân Thanh")
        await expect(page.locator("#step")).to_have_attribute("data-step", "step_go_to_gate")
        await page.screenshot(path=screenshot_path("driver-page-order"))

        await page.click("#share")
        await expect(page.locator("#share-status")).to_have_attribute("data-sent", "1")
        await expect(page.locator("#stop")).to_be_visible()
        seen = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers)
        arrival = seen.json()["road"]["arrival"]
        assert arrival["destination"] == "gate"  # it holds an order
        assert "Tân Thanh" in arrival["destination_name"]
        assert arrival["estimated_at"] is not None
        await expect(page.locator("#arrival-line")).to_be_visible(timeout=LIVE)
        await page.click("#stop")
        await expect(page.locator("#share")).to_be_visible()

        revoked = await api.client.post(
            f"/api/v1/bookings/{booking['id']}/driver-links/{link['id']}/revoke",
            headers=enterprise.headers,
        )
        assert revoked.status_code == 200

        # The open page finds out on its next poll, and shows only that the link is gone.
        await expect(page.locator("#gone")).to_be_visible(timeout=LIVE)
        await expect(page.locator("#gone")).to_have_attribute("data-status", "410")
        assert booking["plate"] not in await page.content()
        await context.close()
    finally:
        await rows.close()

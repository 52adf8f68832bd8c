"""The pages an enterprise and an officer open on a phone fit a 360 px screen in Vietnamese
(the longest words of the three languages): the booking's slip with its VietQR code, a fee's
receipt and the console's queue do not make the page scroll sideways; a wide table scrolls
inside its own card instead (issue 16 audit)."""

from __future__ import annotations

from playwright.async_api import Browser, Page

from gate.config import Settings
from tests.browser.test_console_live import _arrives, _console
from tests.browser.test_pages import _enterprise_user
from tests.browser.test_portal_booking import _portal
from tests.fees import make_schedule
from tests.helpers import Api, device, officer, tomorrow_at

PHONE = {"width": 360, "height": 740}


async def _fits(page: Page, path: str) -> None:
    await page.goto(path)
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], (path, wide)


async def test_the_slip_with_its_pay_code_and_the_receipt_fit_a_phone(
    site: tuple[str, Api], browser: Browser, settings: Settings
) -> None:
    base, api = site
    await make_schedule(settings)
    enterprise, email = await _enterprise_user(api)
    due = (await enterprise.book(tomorrow_at(9))).json()
    arrived = await _arrives(api, enterprise, await device(api))
    operator = await officer(api, "gate_operator")
    number, amount = arrived["fee"]["invoice_number"], arrived["fee"]["amount_vnd"]
    paid = await api.client.post(
        f"/api/v1/gates/tan-thanh/fees/{number}/cash",
        json={"amount_vnd": amount},
        headers={**operator, "Idempotency-Key": "phone-cash-1"},
    )
    assert paid.status_code == 201, paid.text
    page = await _portal(browser, base, email, viewport=PHONE, is_mobile=True)
    await _fits(page, f"/portal/bookings/{due['id']}")
    assert await page.locator("#pay-code svg").count() == 1
    await _fits(page, f"/portal/fees/{number}/receipt")
    await page.context.close()


async def test_the_consoles_queue_scrolls_in_its_card_on_a_phone(
    site: tuple[str, Api], browser: Browser
) -> None:
    base, api = site
    enterprise = await api.enterprise()
    await _arrives(api, enterprise, await device(api))
    context, page = await _console(browser, base, api, "gate_operator")
    await page.set_viewport_size(PHONE)
    await _fits(page, "/console/tan-thanh")
    await _fits(page, "/console/tan-thanh/fees")
    await context.close()

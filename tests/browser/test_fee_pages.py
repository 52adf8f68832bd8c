"""The crossing's fee in Chromium: the portal's booking slip and list show its amount (Babel's
money), status and invoice number; the driver's page shows them on a phone and, the moment the
fee is paid, says so without a reload (its script redraws the status from the page's state)."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.events import Actor
from gate.domain.time import utc_now
from gate.payments.receiving import Received, receive_payment
from gate.store.database import create_engine, create_session_factory
from gate.store.unit_of_work import UnitOfWork
from tests.browser.test_pages import _enterprise_user
from tests.browser.test_portal_booking import _portal
from tests.fees import make_schedule
from tests.helpers import Api, tomorrow_at

PHONE = {"width": 390, "height": 844}
LIVE = 20_000  # ms: a few polls of the driver's page (every 5 s)


async def _pay(settings: Settings, invoice_number: str, amount: int) -> None:
    """The fee paid in full, as a provider's notification records it."""
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            money = Received("fake", "txn-browser-1", amount, invoice_number, utc_now())
            receipt = await receive_payment(uow, money, utc_now(), Actor("system"))
            assert receipt.fee is not None
            await uow.commit()
    finally:
        await engine.dispose()


async def test_the_portal_shows_a_bookings_fee_on_its_slip_and_in_the_list(
    site: tuple[str, Api], browser: Browser, settings: Settings
) -> None:
    base, api = site
    await make_schedule(settings)
    enterprise, email = await _enterprise_user(api)
    booked = await enterprise.book(tomorrow_at(9))
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    number = booking["fee"]["invoice_number"]

    page = await _portal(browser, base, email)
    row = page.locator(f'tr[data-booking="{booking["id"]}"] .fee-cell')
    await expect(row).to_contain_text("2.000.000\u00a0₫")
    await expect(row).to_contain_text("Chưa nộp phí")
    await expect(row).to_contain_text(number)

    await page.goto(f"/portal/bookings/{booking['id']}")
    slip = page.locator("#slip .fee")
    await expect(slip).to_have_attribute("data-fee-status", "due")
    await expect(slip.locator(".fee-amount")).to_have_text("2.000.000\u00a0₫")
    await expect(page.locator("#slip .invoice-number")).to_have_text(number)
    await page.context.close()


async def test_the_drivers_page_shows_the_fee_and_says_when_it_is_paid(
    site: tuple[str, Api], browser: Browser, settings: Settings
) -> None:
    _, api = site
    await make_schedule(settings)
    enterprise = await api.enterprise()
    booked = await enterprise.book(tomorrow_at(9))
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    link = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/driver-links", headers=enterprise.headers
    )
    assert link.status_code == 201, link.text

    context = await browser.new_context(viewport=PHONE, is_mobile=True, locale="en-GB")
    page = await context.new_page()
    await page.goto(link.json()["url"] + "?lang=en")
    await expect(page.locator("#fee-amount")).to_have_text("₫2,000,000")
    await expect(page.locator("#fee-status")).to_have_text("Fee unpaid")
    await expect(page.locator("#invoice-number")).to_have_text(booking["fee"]["invoice_number"])

    await _pay(settings, booking["fee"]["invoice_number"], 2_000_000)
    await expect(page.locator("#fee-status")).to_have_text("Paid", timeout=LIVE)
    await expect(page.locator("#fee")).to_have_attribute("data-fee-status", "paid")
    await context.close()

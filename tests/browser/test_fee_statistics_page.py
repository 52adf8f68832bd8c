"""The fees' totals on the statistics page in a real browser (issue 19): a gate's day of fees
fixed and paid by QR and in cash reads on the page as Vietnamese writes money, its chart
drawn by the vendored Chart.js under the CSP, its table whole in its card on a desktop and
scrolling inside it on a phone, and axe-core finds nothing wrong with it in any language."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.events import Actor
from gate.domain.time import as_local, utc_now
from gate.payments.receiving import Received, receive_payment
from gate.statistics.update import update_statistics
from gate.store.database import create_engine, create_session_factory
from gate.store.unit_of_work import UnitOfWork
from tests.browser.accessibility import AXE, LANGUAGES, described
from tests.browser.test_statistics_page import OUTSIDE_THEIR_CARDS, _drawn
from tests.fees import fee_of_booking, make_schedule
from tests.helpers import Api, admin, tomorrow_at

PASSWORD = "mật-khẩu-thật-dài"


async def _day_of_fees(settings: Settings, api: Api) -> int:
    """Three crossings booked at Tân Thanh today, one paid by QR and one in cash, folded
    into the statistics; the fee's amount (VND)."""
    await make_schedule(settings)
    enterprise = await api.enterprise()
    engine = create_engine(settings)
    try:
        factory = create_session_factory(engine)
        fees = []
        for _ in range(3):
            booked = await enterprise.book(tomorrow_at(9))
            assert booked.status_code == 201, booked.text
            async with UnitOfWork(factory, InMemoryEventBus()) as uow:
                fee = await fee_of_booking(uow, booked.json()["id"])
                assert fee is not None
                fees.append((fee.invoice_number, fee.amount_vnd))
        for (invoice, amount), provider in zip(fees, ("fake", "cash"), strict=False):
            async with UnitOfWork(factory, InMemoryEventBus()) as uow:
                receipt = f"BL{invoice}" if provider == "cash" else None
                money = Received(
                    provider, f"t-{invoice}", amount, invoice, utc_now(), receipt_number=receipt
                )
                await receive_payment(uow, money, utc_now(), Actor("system"))
                await uow.commit()
        await update_statistics(lambda: UnitOfWork(factory, InMemoryEventBus()))
        return fees[0][1]
    finally:
        await engine.dispose()


async def _leader(api: Api) -> str:
    email = f"lanh-dao-phi.{id(api) % 10000}@tan-thanh.gov.vn"
    created = await api.client.post(
        "/api/v1/officers",
        json={"email": email, "full_name": "Lãnh đạo", "agency": "gate_operator",
              "password": PASSWORD, "gates": ["tan-thanh"]},
        headers=admin(),
    )  # fmt: skip
    assert created.status_code == 201, created.text
    return email


async def test_a_leader_reads_the_days_fees_in_vnd_and_the_page_passes_axe(
    site: tuple[str, Api], browser: Browser, settings: Settings
):
    base, api = site
    amount = await _day_of_fees(settings, api)
    email = await _leader(api)
    today = as_local(utc_now()).date().isoformat()
    asked = f"/statistics/tan-thanh?span=week&day={today}"
    for width, height, mobile in ((1280, 800, False), (390, 844, True)):
        for language in LANGUAGES:
            context = await browser.new_context(
                base_url=base,
                viewport={"width": width, "height": height},
                is_mobile=mobile,
                locale=LANGUAGES[language],
            )
            await context.add_cookies([{"name": "gate_lang", "value": language, "url": base}])
            page = await context.new_page()
            await page.goto("/sign-in?next=/statistics")
            await page.fill("input[name=email]", email)
            await page.fill("input[name=password]", PASSWORD)
            await page.click("form.card button")
            await page.wait_for_url(re.compile("/statistics/tan-thanh$"))
            await page.goto(asked)
            rows = page.locator("table[data-table=fees] tbody tr")
            await expect(rows).to_have_count(7)  # every day of the week, today last
            today_row = rows.last
            await expect(today_row.locator("th")).to_have_text(today)
            cells = today_row.locator("td")
            if language == "vi":
                # Fees fixed, their VND, by QR, in cash, ..., still owed: as vi writes money.
                await expect(cells.nth(0)).to_have_text("3")
                await expect(cells.nth(1)).to_have_text(f"{3 * amount:,} ₫".replace(",", "."))
                await expect(cells.nth(2)).to_have_text(f"{amount:,} ₫".replace(",", "."))
                await expect(cells.nth(3)).to_have_text(f"{amount:,} ₫".replace(",", "."))
                await expect(cells.nth(8)).to_have_text(f"{amount:,} ₫".replace(",", "."))
            elif language == "en":
                await expect(cells.nth(2)).to_have_text(f"₫{amount:,}")
            assert await _drawn(page, "fees")
            wrong = await page.evaluate(OUTSIDE_THEIR_CARDS, mobile)
            assert [w for w in wrong if w.startswith("part-fees")] == [], (width, language)
            results = await AXE.run(page, options={"resultTypes": ["violations"]})
            assert described(asked, results.response["violations"]) == [], (width, language)
            await context.close()

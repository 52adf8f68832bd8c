"""The portal's monthly statements in a real browser: an enterprise's user with an agreement
finds last month's statement from the portal's menu, opens it to print, and sees each
crossing with its invoice number, the total in the page's language and the statement's number
as the transfer's reference; axe-core finds nothing wrong on either page, in Vietnamese,
English and Chinese."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from gate.config import Settings
from gate.domain.statements import month_of, previous_month
from gate.domain.time import as_local, utc_now
from gate.fees.statements import sweep_statements
from tests.browser.accessibility import LANGUAGES, Visit, check
from tests.fees import make_schedule
from tests.helpers import Api
from tests.portal_people import portal_user
from tests.statements import agreement_as_of, before_month, book_made_at, day_at, writer

LAST_MONTH = previous_month(month_of(utc_now()))


async def _statement_of_last_month(api: Api, settings: Settings) -> tuple[str, str]:
    """An enterprise with an agreement and two crossings last month, its statement issued by
    the sweep: a clerk's session token and the statement's number."""
    since = before_month(LAST_MONTH, 40)
    await make_schedule(settings, effective_from=since, now=since)
    enterprise = await api.enterprise()
    await agreement_as_of(settings, enterprise.id, as_local(since).date(), since)
    for day, hour in ((3, 9), (17, 10)):
        slot = day_at(LAST_MONTH, day, hour)
        await book_made_at(settings, enterprise, slot, slot.replace(hour=0))
    async with writer(settings) as uow:
        await sweep_statements(uow, utc_now())
        await uow.commit()
    listed = await api.client.get(
        f"/api/v1/enterprises/{enterprise.id}/statements",
        headers={"Authorization": f"Bearer {enterprise.token}"},
    )
    assert listed.status_code == 200, listed.text
    [statement] = listed.json()
    _, token = await portal_user(api, enterprise, "clerk")
    return token, statement["number"]


async def test_the_portal_shows_last_months_statement_to_print(
    site: tuple[str, Api], settings: Settings, browser: Browser
):
    base, api = site
    token, number = await _statement_of_last_month(api, settings)
    found: list[str] = []
    for language, locale in LANGUAGES.items():
        context = await browser.new_context(base_url=base, locale=locale)
        await context.add_cookies([{"name": "gate_session", "value": token, "url": base}])
        page = await context.new_page()
        await page.goto("/portal")
        await page.click("header nav a[href='/portal/statements']")
        await page.wait_for_url(re.compile("/portal/statements$"))
        found += await check(page, Visit("/portal/statements"), language)
        await page.click(f"#statements a[href='/portal/statements/{number}']")
        await page.wait_for_url(re.compile(f"/portal/statements/{number}$"))
        await expect(page.locator("#statement-lines tbody tr")).to_have_count(2)
        total = {"vi": "4.000.000 ₫", "en": "₫4,000,000", "zh": "₫4,000,000"}[language]
        await expect(page.locator("#statement-total")).to_have_text(total)
        await expect(page.locator("#statement-reference")).to_have_text(number)
        lines = page.locator("#statement-lines tbody tr td:nth-child(2)")
        assert all(re.fullmatch(r"TT[0-9]{9}", text) for text in await lines.all_inner_texts())
        found += await check(page, Visit(f"/portal/statements/{number}"), language)
        await context.close()
    assert not found, "\n".join(found)

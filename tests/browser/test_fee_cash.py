"""The unpaid-fee rule and officers' cash in a real browser (issue 19): the console marks a truck
whose fee is unpaid and calls the others past it; the gate operator records its cash from the
truck's details (the amount owed filled in, the box ticked), gets the receipt with the amount,
printable without the page's menus; the truck is then called. axe-core finds nothing wrong on
the console with the held truck and its cash form, nor on the receipt."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

from playwright.async_api import Browser, Page, expect

from gate.config import Settings
from gate.domain.time import utc_now
from tests.browser.accessibility import Visit, check
from tests.fees import make_schedule
from tests.helpers import Api, admin, device, read, this_hour

PASSWORD = "mật-khẩu-thật-dài"
GATE = "/api/v1/gates/tan-thanh"
_officers = itertools.count(1)


async def _operator_console(api: Api, browser: Browser, base: str) -> tuple[Page, dict[str, str]]:
    """The console of a new gate operator of Tân Thanh, live; their API headers."""
    email = f"thu-phi.{next(_officers)}@tan-thanh.gov.vn"
    created = await api.client.post(
        "/api/v1/officers",
        json={
            "email": email,
            "full_name": "Cán bộ thu phí",
            "agency": "gate_operator",
            "password": PASSWORD,
            "gates": ["tan-thanh"],
        },
        headers=admin(),
    )
    assert created.status_code == 201, created.text
    session = await api.client.post(
        "/api/v1/auth/sessions", json={"email": email, "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {session.json()['token']}"}
    context = await browser.new_context(base_url=base, locale="vi-VN")
    page = await context.new_page()
    await page.goto("/sign-in?next=/console")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.card button")
    await page.wait_for_url(re.compile("/console/tan-thanh"))
    await expect(page.locator("#console-connection")).to_have_attribute("data-state", "live")
    return page, headers


async def test_an_officer_takes_the_cash_of_a_held_truck_which_is_then_called(
    site: tuple[str, Api], browser: Browser, settings: Settings
):
    base, api = site
    since = this_hour(-1)
    await make_schedule(settings, effective_from=since, now=since)
    enterprise = await api.enterprise(name="Công ty TNHH Vận tải Đồng Đăng")
    camera = await device(api)
    unpaid, paid = [(await enterprise.book(this_hour())).json() for _ in range(2)]
    for minutes, booking in ((20, unpaid), (10, paid)):  # the unpaid truck came first
        checked = await api.client.post(
            f"{GATE}/checkins",
            json=read(booking["plate"], utc_now() - timedelta(minutes=minutes)),
            headers=camera,
        )
        assert checked.json()["outcome"] != "refused", checked.text
    console, operator = await _operator_console(api, browser, base)
    fees = {}
    for booking in (unpaid, paid):
        detail = console.locator(f"#queue tr[data-booking='{booking['id']}'] .fee-cash")
        fees[booking["id"]] = await detail.get_attribute("data-fee")
    owed = await console.locator(
        f"#queue tr[data-booking='{paid['id']}'] input[name=amount_vnd]"
    ).input_value()
    taken = await api.client.post(
        f"{GATE}/fees/{fees[paid['id']]}/cash",
        json={"amount_vnd": int(owed)},
        headers={**operator, "Idempotency-Key": "paid-first"},
    )
    assert taken.status_code == 201, taken.text

    held = console.locator(f"#queue tr[data-booking='{unpaid['id']}'] .fee-unpaid")
    await expect(held).to_contain_text("Phí chưa nộp")
    assert not await check(
        console, Visit("/console/tan-thanh?direction=export", who="operator"), "vi"
    )
    await console.click("button[data-call=X1]")
    await expect(console.locator(".flash")).to_contain_text(paid["code"])
    await expect(console.locator(f"#queue tr[data-booking='{unpaid['id']}']")).to_have_count(1)

    form = console.locator(f"#queue tr[data-booking='{unpaid['id']}'] form.cash-form")
    amount = await form.locator("input[name=amount_vnd]").input_value()
    await form.locator("input[name=confirm]").check()
    await form.locator("button").click()
    await console.wait_for_url(re.compile(f"/fees/{fees[unpaid['id']]}/receipt"))
    receipt = console.locator("#receipt")
    await expect(receipt).to_contain_text(fees[unpaid["id"]])
    await expect(receipt.locator(".amount")).to_contain_text(
        f"{int(amount):,}".replace(",", ".") + " ₫"
    )
    await expect(receipt.locator(".number")).to_contain_text("BLTT")
    assert not await check(console, Visit(console.url.removeprefix(base), who="operator"), "vi")
    for language, locale in (("en", "en-US"), ("zh", "zh-CN")):
        other = await browser.new_context(base_url=base, locale=locale)
        await other.add_cookies(await console.context.cookies())
        elsewhere = await other.new_page()
        await elsewhere.goto(console.url)
        await expect(elsewhere.locator("#receipt .in-words")).to_contain_text("đồng")
        assert not await check(elsewhere, Visit(console.url, who="operator"), language)
        await other.close()
    await console.emulate_media(media="print")
    await expect(console.locator("header.top")).to_be_hidden()
    await expect(console.locator("#print-receipt")).to_be_hidden()
    await console.emulate_media(media="screen")

    # Paid: no longer held, and the next call (past the truck still at X1) takes it.
    await console.goto("/console/tan-thanh?direction=export")
    await expect(console.locator("#console-connection")).to_have_attribute("data-state", "live")
    await expect(
        console.locator(f"#queue tr[data-booking='{unpaid['id']}'] .fee-unpaid")
    ).to_have_count(0)
    called = await api.client.post(
        f"{GATE}/lanes/X1/call-next", headers=operator, params={"force": "true"}
    )
    assert called.json()["called"]["booking_id"] == unpaid["id"], called.text

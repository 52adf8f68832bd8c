"""The yard console in a real browser: a yard's clerk signs in and lands on their yard, checks
a truck in by hand, sees one that came through another entrance appear without a reload while
a half-typed plate in the form is kept, and checks a truck out."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.browser.conftest import screenshot_path
from tests.helpers import Api, admin
from tests.yards import yard, yard_enterprise

PASSWORD = "mật-khẩu-thật-dài"


async def test_a_yard_clerk_checks_trucks_in_and_out_and_the_list_follows_without_a_reload(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    owner = await yard_enterprise(api)
    code = await yard(api, owner, capacity=5)
    email = f"bai.{owner.id[:8]}@benbai.vn"
    created = await api.client.post(
        f"/api/v1/enterprises/{owner.id}/users",
        json={"email": email, "full_name": "Nhân viên bãi", "password": PASSWORD},
        headers=admin(),
    )
    assert created.status_code == 201, created.text

    context = await browser.new_context(base_url=base, locale="vi-VN")
    page = await context.new_page()
    await page.goto("/sign-in")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.card button")
    await page.wait_for_url(re.compile(f"/yards/{code}$"))
    await expect(page.locator("[data-occupancy]")).to_have_text("0")

    form = page.locator("#yard-checkin-form")
    await form.locator("input[name=plate]").fill("12C-771.01")
    await form.locator("select[name=direction]").select_option("export")
    await form.locator("button").click()
    await expect(page.locator("#trucks-in-yard")).to_contain_text("12C-771.01")
    await expect(page.locator("[data-occupancy]")).to_have_text("1")

    # Half a plate typed; meanwhile a truck comes in through the API (another entrance).
    await form.locator("input[name=plate]").fill("12C-77")
    other = await api.client.post(
        f"/api/v1/yards/{code}/visits",
        json={"plate": "12C-771.02", "direction": "export"},
        headers=owner.headers,
    )
    assert other.status_code == 201, other.text
    await expect(page.locator("#trucks-in-yard")).to_contain_text("12C-771.02", timeout=15000)
    await expect(page.locator("[data-occupancy]")).to_have_text("2")
    await expect(form.locator("input[name=plate]")).to_have_value("12C-77")
    await page.screenshot(path=screenshot_path("yard-console"), full_page=True)

    row = page.locator("#trucks-in-yard tr", has_text="12C-771.01")
    await row.locator("button").click()
    await expect(page.locator("#trucks-in-yard")).not_to_contain_text("12C-771.01")
    await expect(page.locator("[data-occupancy]")).to_have_text("1")
    await context.close()

"""The portal's webhooks page in a real browser, on a phone: a manager follows the portal's
link, a refused URL comes back in the form with the reason, an endpoint is added and its
secret shown once, a booking's webhook appears in the delivery log and is sent again, the
secret rotated, the endpoint disabled and deleted after a confirmation; no page is wider
than the phone."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from playwright.async_api import Browser, Page, expect

from gate.config import Settings
from tests.browser.conftest import screenshot_path
from tests.helpers import Api, this_hour
from tests.portal_people import PASSWORD, portal_user
from tests.receiver import Receiver

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The dispatcher on with a short poll; the receiver is local (private addresses allowed).
    return replace(settings, outbox=True, outbox_poll_s=0.05, webhook_allow_private=True)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = await Receiver().start()
    yield receiver
    await receiver.close()


async def _fits_the_phone(page: Page) -> None:
    wide = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wide, page.url


async def test_a_manager_runs_an_endpoint_from_the_webhooks_page_on_a_phone(
    site: tuple[str, Api], browser: Browser, receiver: Receiver
):
    base, api = site
    enterprise = await api.enterprise()
    email, _ = await portal_user(api, enterprise, "manager")
    context = await browser.new_context(
        base_url=base, viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    page = await context.new_page()
    await page.goto("/sign-in?next=/portal")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.card button")
    await page.wait_for_url(re.compile("/portal"))
    await page.click("header nav a[href='/portal/webhooks']")
    await expect(page.locator("h1")).to_have_text("Webhook")

    form = page.locator("#endpoint-form")
    await form.locator("input[name=url]").fill("ftp://erp.example.vn/hooks")
    await form.get_by_label("Xe được gọi vào làn").check()
    await form.locator("button").click()
    await expect(page.locator("#refused")).to_contain_text("Cần một địa chỉ https://")
    await expect(form.locator("input[name=url]")).to_have_value("ftp://erp.example.vn/hooks")
    await expect(form.get_by_label("Xe được gọi vào làn")).to_be_checked()

    await form.locator("input[name=url]").fill(receiver.url)
    await form.get_by_label("Xe được gọi vào làn").uncheck()
    await form.get_by_label("Đặt chỗ mới").check()
    await form.locator("input[name=description]").fill("ERP kho Đồng Đăng")
    await form.locator("button").click()
    secret = await page.locator("#secret").inner_text()
    assert secret.startswith("whsec_")
    await expect(page.locator("#new-secret")).to_contain_text("Standard Webhooks")
    await _fits_the_phone(page)
    await page.screenshot(path=screenshot_path("portal-webhook-secret"), full_page=True)
    await page.goto("/portal/webhooks")
    await expect(page.locator("#endpoints")).to_contain_text(receiver.url)
    assert secret not in await page.content()

    await enterprise.book(this_hour(1))
    await receiver.wait_for(lambda: len(receiver.delivered()) == 1)
    await page.click("#endpoints a[href^='/portal/webhooks/']")
    delivered = page.locator("#deliveries li[data-status=delivered]")
    async with asyncio.timeout(30):
        # The page is read when opened: again until the log says delivered (a condition).
        while await delivered.count() == 0:
            await page.reload()
    await expect(delivered).to_contain_text("Đặt chỗ mới")
    await expect(delivered).to_contain_text("trả lời 200")
    await _fits_the_phone(page)
    await page.screenshot(path=screenshot_path("portal-webhook-log"), full_page=True)

    await delivered.locator("form.again button").click()
    await expect(page.locator(".flash[role=status]")).to_contain_text("webhook-id")
    await receiver.wait_for(lambda: len(receiver.delivered()) == 2)
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert len(ids) == 1  # the same webhook, by its id

    await page.click("#rotate-form button")
    new_secret = await page.locator("#secret").inner_text()
    assert new_secret.startswith("whsec_") and new_secret != secret
    await expect(page.locator("#grace")).to_be_visible()

    await page.click("#enabled-form button")
    await expect(page.locator("#endpoint-state [data-state=disabled]")).to_be_visible()
    await expect(page.locator("#endpoint-state")).to_contain_text("do doanh nghiệp tắt")

    await page.click("#delete-link")
    await expect(page.locator("#delete-form")).to_be_visible()
    await _fits_the_phone(page)
    await page.click("#delete-form button")
    await expect(page.locator("#no-endpoints")).to_be_visible()
    await context.close()

"""Pages in Vietnamese and Chinese say everything in their language, in a real browser: a
refused form's reason, a problem page's title, the weekdays of the booking calendar, the
gates' names (issue 16, acceptance point 5: the use cases' English details were shown on vi
and zh pages, weekday names were English)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from services.web.i18n import messages
from tests.helpers import Api

PASSWORD = "mật-khẩu-thật-dài"
LOCALES = {"vi": "vi-VN", "zh": "zh-CN"}
ENGLISH_WEEKDAYS = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")


async def _clerk(api: Api, language: str) -> str:
    enterprise = await api.enterprise(key_scope="manager")
    email = f"{language}.{enterprise.id[:8]}@xnk.vn"
    created = await api.client.post(
        f"/api/v1/enterprises/{enterprise.id}/users",
        json={"email": email, "full_name": "Nhân viên", "password": PASSWORD},
        headers=enterprise.headers,
    )
    assert created.status_code == 201, created.text
    return email


@pytest.mark.parametrize("language", ["vi", "zh"])
async def test_problem_titles_and_refusals_appear_in_the_pages_language(
    site: tuple[str, Api], browser: Browser, language: str
):
    base, api = site
    words = messages(language)
    email = await _clerk(api, language)
    context = await browser.new_context(base_url=base, locale=LOCALES[language])
    page = await context.new_page()

    # A problem page: its title is the problem's, in the page's language.
    await page.goto("/transparency/tan-thanh?direction=north")
    await expect(page.locator("#problem-title")).to_have_text(words["problem_validation"])
    await page.goto("/board/nope")
    await expect(page.locator("#problem-title")).to_have_text(words["problem_not_found"])

    await page.goto("/sign-in?next=/portal")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.card button")
    await page.wait_for_url(re.compile("/portal"))

    # A refused form: a vehicle registered twice. The use case's English detail ("vehicle …
    # is registered already") stays off the page; its code's title and reason are said.
    plate = "12C-135.79" if language == "vi" else "12C-246.13"
    for _ in range(2):
        await page.goto("/portal/fleet")
        await page.fill("#vehicle-form input[name=plate]", plate)
        await page.click("#vehicle-form button")
    refusal = page.locator(".flash.error")
    expected = words["refusal_and_reason"].format(
        title=words["problem_already_exists"], reason=words["why_vehicle_registered"]
    )
    await expect(refusal).to_have_text(expected)
    assert "registered" not in (await refusal.inner_text())
    # The fleet names its vehicles' types in words, not by their codes.
    await expect(page.locator("#vehicles")).to_contain_text(words["vehicle_type_container"])

    # The booking calendar: its days with weekdays in the page's language, gates by name.
    await page.goto("/portal/book?gate=tan-thanh&direction=export")
    days = await page.locator("#calendar thead th[data-day]").all_inner_texts()
    assert days and not any(ENGLISH_WEEKDAYS.search(d) for d in days), days
    weekday_word = "周" if language == "zh" else r"(Thứ|CN)"
    assert all(re.search(weekday_word, d) for d in days), days
    gate = page.locator("select[name=gate] option[value=tan-thanh]")
    named = "新清口岸（浦寨）" if language == "zh" else "Cửa khẩu Tân Thanh"
    await expect(gate).to_have_text(named)
    await context.close()

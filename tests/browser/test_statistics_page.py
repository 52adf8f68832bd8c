"""The statistics page in a real browser: an officer signs in, the vendored Chart.js draws the
six charts from the page's JSON block under the CSP (the browser fixture fails a test whose
page the policy blocked), the planner's answer draws its own, and on a phone the page fits
the screen's width; every table fits its card at 1024 and 1280 px, and on a phone fits or
scrolls inside its card, showing that it does. The planner's answer sets the day as measured
beside its simulation and the change, its fields explained by hints. Screenshots for the README
(scripts/screenshots)."""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.async_api import Browser, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from gate.config import Settings
from tests.browser.conftest import screenshot_path
from tests.helpers import Api, admin
from tests.statistics_day import DAY, write_day

PASSWORD = "mật-khẩu-thật-dài"
CHARTS = ("trucks", "waits", "agencies", "capacity", "forecast", "fees")


async def _drawn(page: Page, chart: str) -> bool:
    """Whether Chart.js made the chart and painted its canvas (some pixel not blank), waited
    for up to 15 s: a chart is painted in the frame after its data arrives, so a page that
    shows the answer may not have painted it yet (seen in CI on a busy machine)."""
    try:
        await page.wait_for_function(
            """(id) => {
                const chart = window.statisticsCharts && window.statisticsCharts[id];
                if (!chart) return false;
                const canvas = chart.canvas;
                const pixels = canvas.getContext("2d")
                    .getImageData(0, 0, canvas.width, canvas.height).data;
                return canvas.width > 0 && pixels.some((value) => value !== 0);
            }""",
            arg=chart,
            timeout=15_000,
        )
    except PlaywrightTimeoutError:
        return False
    return True


async def test_an_officer_sees_the_charts_and_asks_the_planner(
    site: tuple[str, Api], browser: Browser, settings: Settings
):
    base, api = site
    await write_day(settings, api)
    email = f"lanh-dao.{id(api) % 10000}@tan-thanh.gov.vn"
    created = await api.client.post(
        "/api/v1/officers",
        json={
            "email": email,
            "full_name": "Lãnh đạo cửa khẩu",
            "agency": "gate_operator",
            "password": PASSWORD,
            "gates": ["tan-thanh"],
        },
        headers=admin(),
    )
    assert created.status_code == 201, created.text

    context = await browser.new_context(base_url=base, locale="vi-VN")
    page = await context.new_page()
    await page.goto("/sign-in?next=/statistics")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.card button")
    await page.wait_for_url(re.compile("/statistics/tan-thanh$"))
    await page.goto(f"/statistics/tan-thanh?span=day&day={DAY.isoformat()}&direction=export")
    for chart in CHARTS:
        assert await _drawn(page, chart), chart
    # Every series has a colour of its own (the trucks chart's eight too), and the axes and
    # tooltips write numbers as the page's language does (vi: 4,5), as its tables do.
    drawn = await page.evaluate(
        """() => Object.values(window.statisticsCharts).map((chart) => [chart.options.locale,
            new Set(chart.data.datasets.map((d) => d.borderColor)).size,
            chart.data.datasets.length])"""
    )
    assert len(drawn) == len(CHARTS) and max(count for *_, count in drawn) == 8, drawn
    assert all(locale == "vi" and own == count for locale, own, count in drawn), drawn
    await expect(page.locator("table[data-table=trucks] tbody tr")).to_have_count(24)  # every hour
    await page.screenshot(path=screenshot_path("statistics"), full_page=True)

    form = page.locator("#planner-form")
    await form.locator("input[name=lane_at]").fill("08:30")
    await form.locator("input[name=extra_count]").fill("40")
    await form.locator("button").click()
    await expect(page.locator("#planner-answer")).to_be_visible()
    assert await _drawn(page, "planner")
    await expect(page.locator("table[data-table=planner] tbody tr").first).to_be_visible()
    # A day that is over: as measured, as simulated, with the change; and where each came from.
    await expect(page.locator("table[data-table=planner-day] tbody tr")).to_have_count(3)
    await expect(page.locator("#planner-notes li").first).to_be_visible()
    hint = page.locator("#hint-extra_count")
    await expect(hint).to_be_visible()
    assert await form.locator("input[name=extra_count]").get_attribute("aria-describedby") == (
        "hint-extra_count"
    )
    cookies = await context_cookies(page, base)
    await context.close()

    phone = await browser.new_context(
        base_url=base, locale="vi-VN", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    await phone.add_cookies(cookies)  # type: ignore[arg-type]
    small = await phone.new_page()
    await small.goto(f"/statistics/tan-thanh?span=day&day={DAY.isoformat()}")
    assert await _drawn(small, "waits")
    # Nothing wider than the screen: the tables scroll inside their own box.
    width = await small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    await small.screenshot(path=screenshot_path("statistics-phone"), full_page=False)
    await phone.close()


# What is wider than its card, on the statistics page with every table's numbers open: a
# card whose content runs past its edge (cut, or pushing the page wider), an element that
# reaches outside the card other than through a box that scrolls sideways, a table wider
# than its box (``scrolls``: allowed when the box scrolls and shows it does: a scrollbar
# drawn, which takes the box's height, or, where a phone draws none until one scrolls, the
# box's edge shadows, with the table's own background clear of them).
OUTSIDE_THEIR_CARDS = """(scrolls) => {
    document.querySelectorAll("details").forEach((d) => { d.open = true; });
    const wrong = [];
    for (const card of document.querySelectorAll("section.card")) {
        const edge = card.getBoundingClientRect();
        if (card.scrollWidth > card.clientWidth + 1) {
            wrong.push(`${card.id}: ${card.scrollWidth} wide in ${card.clientWidth}`);
        }
        for (const el of card.querySelectorAll("*")) {
            const scroller = el.parentElement && el.parentElement.closest(".table-scroll");
            const seen = (scroller || el).getBoundingClientRect();
            if (seen.width && (seen.right > edge.right + 1 || seen.left < edge.left - 1)) {
                wrong.push(`${card.id}: ${el.tagName} ${seen.left}..${seen.right}`
                    + ` outside ${edge.left}..${edge.right}`);
            }
        }
        for (const box of card.querySelectorAll(".table-scroll")) {
            if (box.scrollWidth <= box.clientWidth) continue;
            const scrolling = ["auto", "scroll"].includes(getComputedStyle(box).overflowX);
            const drawn = box.offsetHeight - box.clientHeight > 0;
            const shadows = getComputedStyle(box).backgroundAttachment.includes("local")
                && getComputedStyle(box.querySelector("table")).backgroundColor
                    === "rgba(0, 0, 0, 0)";
            if (!scrolls || !scrolling || !(drawn || shadows)) {
                wrong.push(`${card.id}: a table ${box.scrollWidth} wide in ${box.clientWidth}`
                    + (scrolling && (drawn || shadows) ? "" : " cut"));
            }
        }
    }
    if (document.documentElement.scrollWidth > window.innerWidth) {
        wrong.push(`the page: ${document.documentElement.scrollWidth} wide`);
    }
    return wrong;
}"""


async def test_every_table_fits_its_card_or_scrolls_inside_it(
    site: tuple[str, Api], browser: Browser, settings: Settings
):
    base, api = site
    await write_day(settings, api)
    email = f"lanh-dao.{id(api) % 10000}@tan-thanh.gov.vn"
    created = await api.client.post(
        "/api/v1/officers",
        json={"email": email, "full_name": "Lãnh đạo", "agency": "customs",
              "password": PASSWORD, "gates": ["tan-thanh"]},
        headers=admin(),
    )  # fmt: skip
    assert created.status_code == 201, created.text
    # The words that made the widest tables: Vietnamese's headers, a month's days, one
    # agency followed, the planner's answer open.
    asked = (f"/statistics/tan-thanh?span=day&day={DAY.isoformat()}&direction=export"
             "&lane_at=08:30&extra_count=40")  # fmt: skip
    # A desktop shows every table whole; a phone may scroll one inside its card.
    for width, height, mobile in ((1280, 800, False), (1024, 768, False), (390, 844, True)):
        for language in ("vi", "en", "zh"):
            context = await browser.new_context(
                base_url=base,
                viewport={"width": width, "height": height},
                is_mobile=mobile,
                locale="vi-VN",
            )
            await context.add_cookies([{"name": "gate_lang", "value": language, "url": base}])
            page = await context.new_page()
            await page.goto(f"/sign-in?next={quote(asked, safe='/')}")
            await page.fill("input[name=email]", email)
            await page.fill("input[name=password]", PASSWORD)
            await page.click("form.card button")
            # Signed in, back on the page asked for, its query and the planner's answer too.
            await page.wait_for_url(re.compile(re.escape(asked) + "$"))
            await expect(page.locator("#planner-answer")).to_be_visible()
            for query in ("", "?span=month&day=2026-11-20&agency=customs"):
                if query:
                    await page.goto(f"/statistics/tan-thanh{query}")
                wrong = await page.evaluate(OUTSIDE_THEIR_CARDS, mobile)
                assert wrong == [], (width, language, query)
            await context.close()


async def context_cookies(page: Page, base: str) -> list[dict[str, str]]:
    """The signed-in browser's cookies, to sign a second (phone) browser in as the same."""
    return [
        {"name": c["name"], "value": c["value"], "url": base}
        for c in await page.context.cookies()
        if "name" in c and "value" in c
    ]

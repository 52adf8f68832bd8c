"""The API docs pages in a real browser: Swagger UI served from the platform itself lists the
operations under the platform's own Content-Security-Policy (the ``browser`` fixture fails on
any violation), and nothing is fetched from anywhere but the platform."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Route, expect

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from tests.apps import app_for
from tests.asgi import served
from tests.browser.conftest import screenshot_path


@pytest.fixture
async def base(settings: Settings, bus: InMemoryEventBus) -> AsyncIterator[str]:
    # The docs need no data: the shared app on this test's platform, behind a real server.
    async with served(app_for(settings, bus)) as url:
        yield url


async def test_the_api_docs_list_the_operations_under_our_csp_without_leaving_the_platform(
    base: str, browser: Browser
):
    context = await browser.new_context(base_url=base)
    elsewhere: list[str] = []

    async def only_here(route: Route) -> None:
        # Everything not addressed to the platform is refused and noted: a CDN script, a font,
        # the validator badge would each be a request leaving 127.0.0.1.
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_here)
    # Both pages in one browser context: one Chromium start for the two.
    for path in ("/schema", "/schema/swagger"):
        page = await context.new_page()
        answer = await page.goto(path)
        assert answer is not None and answer.ok, path
        assert "script-src 'self'" in (await answer.header_value("content-security-policy") or "")
        # Loaded: every script and style the page names has been asked for by now.
        assert elsewhere == [], path
        # Every tag listed, closed (docs.js: docExpansion none); one opened shows its calls.
        bookings = page.locator("#swagger-ui .opblock-tag", has_text="bookings").first
        await expect(bookings).to_be_visible()
        await expect(
            page.locator("#swagger-ui .opblock-tag", has_text="statements")
        ).to_be_visible()
        await bookings.click()
        await expect(page.get_by_text("createBooking", exact=True)).to_be_visible()
        await page.screenshot(path=screenshot_path(f"api-docs{path.replace('/', '-')}"))
        await page.close()
    # The document itself is still where clients fetch it from.
    document = await context.request.get("/schema/openapi.json")
    assert document.ok and "createBooking" in await document.text()
    await context.close()
    assert elsewhere == []  # nor later (fonts, a validator badge, the document's $refs)

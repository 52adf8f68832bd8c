"""axe-core finds nothing wrong on the enterprise portal's pages (bookings, a new booking, a
booking, the fleet, API keys, messages, a driver's messages, webhooks, an endpoint and its
deletion, a booking that is not the enterprise's, a page it may not open), in Vietnamese,
English and Chinese, on a phone and a desktop (tests/browser/accessibility.py)."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.browser.accessibility import LANGUAGES, portal_pages, walk
from tests.browser.scene import Scene


@pytest.mark.parametrize("layout", ["phone", "desktop"])
@pytest.mark.parametrize("language", list(LANGUAGES))
async def test_the_portal_pages_have_no_accessibility_violations(
    scene_site: tuple[str, Scene], browser: Browser, language: str, layout: str
):
    base, scene = scene_site
    found = await walk(browser, base, scene, portal_pages(scene), language, layout)
    assert not found, "\n".join(found)

"""axe-core finds nothing wrong on the officers' and the yards' pages (the console of a gate
operator and of a customs officer, the statistics, the yard console, the pages of a refusal),
in Vietnamese, English and Chinese, on a phone and a desktop (tests/browser/accessibility.py)."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.browser.accessibility import LANGUAGES, officer_pages, walk
from tests.browser.scene import Scene


@pytest.mark.parametrize("layout", ["phone", "desktop"])
@pytest.mark.parametrize("language", list(LANGUAGES))
async def test_the_officers_pages_have_no_accessibility_violations(
    scene_site: tuple[str, Scene], browser: Browser, language: str, layout: str
):
    base, scene = scene_site
    found = await walk(browser, base, scene, officer_pages(scene), language, layout)
    assert not found, "\n".join(found)

"""axe-core finds nothing wrong on the pages anyone opens (gates, a board, transparency,
sign-in, the driver's page, the API docs, the pages for a refused or unknown address), in
Vietnamese, English and Chinese, on a phone and a desktop, nor on the yard's wall display
(tests/browser/accessibility.py walks them; docs/architecture.md, "The pages", lists them)."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.browser.accessibility import LANGUAGES, public_pages, walk, wall_pages
from tests.browser.scene import Scene


@pytest.mark.parametrize("layout", ["phone", "desktop"])
@pytest.mark.parametrize("language", list(LANGUAGES))
async def test_the_public_pages_have_no_accessibility_violations(
    scene_site: tuple[str, Scene], browser: Browser, language: str, layout: str
):
    base, scene = scene_site
    found = await walk(browser, base, scene, public_pages(scene), language, layout)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", list(LANGUAGES))
async def test_the_wall_board_has_no_accessibility_violations(
    scene_site: tuple[str, Scene], browser: Browser, language: str
):
    base, scene = scene_site
    found = await walk(browser, base, scene, wall_pages(scene), language, "wall")
    assert not found, "\n".join(found)

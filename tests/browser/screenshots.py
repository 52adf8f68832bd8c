"""The README's screenshots, taken again on request, never by a test run:

    .venv/bin/python -m tests.browser.screenshots [FOLDER]   (scripts/screenshots)

A platform of its own (a fresh SQLite file, Lạng Sơn's gates) with the accessibility walk's
scene set on it (tests/browser/scene.py); each page below in Vietnamese, English and
Chinese, on a desktop and a phone (the board also on the yard's wall), written as
``<page>-<layout>-<language>.png`` to FOLDER (docs/screenshots by default). Each is one
screen (the viewport, not the whole page) at one device pixel per CSS pixel, which keeps a
picture under about 150 KB. Needs Debian's Chromium and a CJK font (scripts/test installs
both).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Browser, async_playwright

from gate.store.migrate import upgrade
from tests.browser.accessibility import BOARD_LIVE, CONSOLE_LIVE, LANGUAGES, LAYOUTS
from tests.browser.scene import Scene, set_scene
from tests.browser.shared_site import platform_in_a_thread, settings_for
from tests.services import seed_database

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


@dataclass(frozen=True)
class Shot:
    """A page to picture: its name in the file's, its path (``{booking_id}`` and the like
    are the scene's), who is signed in (a ``Scene`` field), what is there once it has drawn
    itself, and the layouts it is pictured in."""

    name: str
    path: str
    who: str | None = None
    ready: str | None = None
    layouts: tuple[str, ...] = ("desktop", "phone")


SHOTS = (
    Shot("board", "/board/tan-thanh", ready=BOARD_LIVE),
    Shot("board", "/board/tan-thanh?layout=wall", ready=BOARD_LIVE, layouts=("wall",)),
    Shot("console", "/console/tan-thanh", who="operator", ready=CONSOLE_LIVE),
    Shot("portal-booking", "/portal/bookings/{booking_id}", who="manager"),
    Shot("statistics", "/statistics/tan-thanh", who="operator"),
)


async def _take(browser: Browser, base: str, scene: Scene, folder: Path) -> list[Path]:
    taken = []
    for shot in SHOTS:
        for layout in shot.layouts:
            for language, locale in LANGUAGES.items():
                context = await browser.new_context(
                    base_url=base, locale=locale, device_scale_factor=1, **LAYOUTS[layout]
                )
                if shot.who is not None:
                    token = getattr(scene, shot.who)
                    await context.add_cookies(
                        [{"name": "gate_session", "value": token, "url": base}]
                    )
                page = await context.new_page()
                await page.goto(shot.path.format(**vars(scene)))
                if shot.ready:
                    await page.locator(shot.ready).first.wait_for(timeout=20_000)
                await page.wait_for_load_state("load")
                # The charts (Chart.js) and the board's figures finish drawing.
                await page.wait_for_timeout(1500)
                path = folder / f"{shot.name}-{layout}-{language}.png"
                await page.screenshot(path=str(path), animations="disabled", caret="hide")
                taken.append(path)
                await context.close()
    return taken


async def _browse(base: str, scene: Scene, folder: Path) -> list[Path]:
    found = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not found:
        raise SystemExit("Chromium is needed: apt-get install chromium fonts-wqy-zenhei")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=found, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            return await _take(browser, base, scene, folder)
        finally:
            await browser.close()


def main(folder: Path) -> None:
    """Take the pictures into ``folder`` (made if missing) and name each one taken."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gate-screenshots-") as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / 'gate.db'}"
        upgrade(url)
        asyncio.run(seed_database(url))
        with platform_in_a_thread(settings_for(url, Path(scratch)), set_scene) as (base, scene):
            for path in asyncio.run(_browse(base, scene, folder)):
                print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")

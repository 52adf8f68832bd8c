"""Browser tests: Debian's Chromium driven by Playwright, headless, against the platform
served for real in the test's event loop."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, async_playwright

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from tests.apps import app_for
from tests.asgi import served
from tests.browser.scene import Scene, set_scene
from tests.browser.shared_site import platform_in_a_thread, settings_for
from tests.helpers import Api, open_all_day
from tests.services import require_service

CHROMIUM = "/usr/bin/chromium"
# The tests leave the work tree clean: their screenshots go to a temporary folder (or
# GATE_SCREENSHOTS_DIR, to look at them). The README's are taken by scripts/screenshots
# (tests/browser/screenshots.py), never by a test run.
SCREENSHOTS = Path(
    os.environ.get("GATE_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "gate-screenshots"
)


@pytest.fixture
def backend() -> str:
    # The pages are exercised end to end on the embedded default; the storage behind them is
    # covered on both databases by the integration tests.
    return "sqlite"


@pytest.fixture
async def site(settings: Settings, bus: InMemoryEventBus) -> AsyncIterator[tuple[str, Api]]:
    # As in production: the public boards come from the boards' broadcast server.
    app = app_for(dataclasses.replace(settings, boards_port=0), bus)
    async with (
        served(app) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        api = Api(client)
        await open_all_day(api)
        yield base, api


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    found = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    require_service("Chromium", None if found else "apt-get install chromium")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=found,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        violations: list[str] = []
        new_context = browser.new_context

        async def watched_context(**options: Any) -> BrowserContext:
            # Every page of every test is watched: a CSP that blocks one of the pages' own
            # scripts, styles or sockets fails the test that met it.
            context = await new_context(**options)
            context.on("console", lambda message: _note_violation(message, violations))
            return context

        browser.new_context = watched_context  # type: ignore[method-assign]
        yield browser
        await browser.close()
        assert violations == [], "the Content-Security-Policy blocked part of a page"


def _note_violation(message: ConsoleMessage, violations: list[str]) -> None:
    if "Content Security Policy" in message.text:
        violations.append(message.text)


def screenshot_path(name: str) -> str:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return str(SCREENSHOTS / f"{name}.png")


@pytest.fixture(scope="session")
def scene_site(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Scene]]:
    """One platform per test process with a scene set on it (tests/browser/scene.py), for the
    tests that only read pages: its base URL and the scene."""
    folder = tmp_path_factory.mktemp("scene")
    shutil.copyfile(sqlite_template, folder / "gate.db")
    settings = settings_for(f"sqlite+aiosqlite:///{folder / 'gate.db'}", folder)
    with platform_in_a_thread(settings, set_scene) as site:
        yield site

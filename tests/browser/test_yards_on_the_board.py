"""The board on the yard's wall shows each waiting yard's occupancy and the trucks on their
way, and follows them live as trucks enter the yards and are dispatched."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import Browser, expect

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import utc_now
from gate.domain.yards import VisitStatus
from tests.browser.conftest import screenshot_path
from tests.helpers import Api
from tests.yards_board_rows import yard_rows


async def test_the_wall_board_shows_the_yards_occupancy_and_the_trucks_on_the_way_live(
    site: tuple[str, Api], browser: Browser, settings: Settings, bus: InMemoryEventBus
):
    base, _ = site
    context = await browser.new_context(base_url=base, viewport={"width": 1920, "height": 1080})
    board = await context.new_page()
    await board.goto("/board/tan-thanh?layout=wall")
    await expect(board.locator("#connection")).to_have_attribute("data-state", "live")
    await expect(board.locator("#road")).to_be_hidden()  # no yard serves the gate yet

    async with yard_rows(settings, bus) as rows:
        yard = await rows.yard("bai-dong-dang", ["tan-thanh"], capacity=40, name="Bãi Đồng Đăng")
        for n in range(3):
            await rows.visit(yard, "tan-thanh", f"12C4000{n}")
        rows.announce("yard.entered", yard_id=yard.id)
    occupancy = board.locator("[data-yard=bai-dong-dang] .occupancy")
    await expect(occupancy).to_have_text("3/40")
    await expect(board.locator("#road")).to_contain_text("Bãi Đồng Đăng")
    await expect(board.locator("#on-the-way")).to_have_text("0")

    async with yard_rows(settings, bus) as rows:
        visit = await rows.visit(yard, "tan-thanh", "12C40010", VisitStatus.DISPATCHED)
        await rows.order(visit, utc_now() + timedelta(minutes=30))
        rows.announce("dispatch.issued", gate_id=visit.gate_id)
    await expect(occupancy).to_have_text("4/40")
    await expect(board.locator("#on-the-way")).to_have_text("1")
    await board.screenshot(path=screenshot_path("board-yards-wall"), full_page=True)
    await context.close()

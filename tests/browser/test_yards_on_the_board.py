"""The board on the yard's wall shows each waiting yard's occupancy and the trucks on their
way, and follows them live as trucks enter the yard by its camera and the gate's operator
dispatches one, all through the API (the events those publish are what the board follows)."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser.conftest import screenshot_path
from tests.helpers import Api, unique_plate
from tests.yards import dispatched_by_hand, enters_yard, yard, yard_device, yard_enterprise


async def test_the_wall_board_shows_the_yards_occupancy_and_the_trucks_on_the_way_live(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    context = await browser.new_context(base_url=base, viewport={"width": 1920, "height": 1080})
    board = await context.new_page()
    await board.goto("/board/tan-thanh?layout=wall")
    await expect(board.locator("#connection")).to_have_attribute("data-state", "live")
    await expect(board.locator("#road")).to_be_hidden()  # no yard serves the gate yet

    # The administrator makes the yard and its entry camera; three trucks drive in.
    code = await yard(api, await yard_enterprise(api), capacity=40, name="Bãi Đồng Đăng")
    entry = await yard_device(api, code, "entry")
    for _ in range(3):
        await enters_yard(api, code, unique_plate("29C"), entry)
    occupancy = board.locator(f"[data-yard={code}] .occupancy")
    await expect(occupancy).to_have_text("3/40")
    await expect(board.locator("#road")).to_contain_text("Bãi Đồng Đăng")
    await expect(board.locator("#on-the-way")).to_have_text("0")

    # A fourth, and the gate's operator sends it on by hand.
    await dispatched_by_hand(api, await enters_yard(api, code, unique_plate("29C"), entry))
    await expect(occupancy).to_have_text("4/40")
    await expect(board.locator("#on-the-way")).to_have_text("1")
    await board.screenshot(path=screenshot_path("board-yards-wall"), full_page=True)
    await context.close()

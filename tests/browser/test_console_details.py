"""The console's details in a real browser (issue 16): a gate operator sees each truck's cargo,
HS code, declaration, enterprise and driver; calling to a lane a truck holds is refused until
the "force" box is ticked; cutting an hour's capacity below its bookings asks first and says
the bookings stay; a notice withdrawn leaves the public board open beside it, live."""

from __future__ import annotations

import itertools
import re

from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import screenshot_path
from tests.helpers import Api, admin, device, read, this_hour

PASSWORD = "mật-khẩu-thật-dài"
_officers = itertools.count(1)


async def _operator_console(api: Api, browser: Browser, base: str) -> Page:
    email = f"van-hanh.{next(_officers)}@tan-thanh.gov.vn"
    created = await api.client.post(
        "/api/v1/officers",
        json={
            "email": email,
            "full_name": "Cán bộ vận hành",
            "agency": "gate_operator",
            "password": PASSWORD,
            "gates": ["tan-thanh"],
        },
        headers=admin(),
    )
    assert created.status_code == 201, created.text
    context = await browser.new_context(base_url=base, locale="vi-VN")
    page = await context.new_page()
    await page.goto("/sign-in?next=/console")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.card button")
    await page.wait_for_url(re.compile("/console/tan-thanh"))
    await expect(page.locator("#console-connection")).to_have_attribute("data-state", "live")
    return page


async def test_an_operator_sees_the_details_forces_a_call_confirms_a_cut_and_withdraws_a_notice(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    enterprise = await api.enterprise(name="Công ty TNHH Trái cây Lạng Sơn")
    camera = await device(api)
    trucks = []
    for description in ("Thanh long ruột đỏ", "Vải thiều Lục Ngạn"):
        cargo = {
            "description": description,
            "weight_kg": 15000,
            "perishable": True,
            "hs_code": "0810.90",
            "declaration_number": "305123456789",
        }
        booking = (await enterprise.book(this_hour(), cargo=cargo)).json()
        checked = await api.client.post(
            "/api/v1/gates/tan-thanh/checkins", json=read(booking["plate"]), headers=camera
        )
        assert checked.json()["outcome"] == "on_time", checked.text
        trucks.append(booking)
    later = this_hour(2)
    for _ in range(2):
        assert (await enterprise.book(later)).status_code == 201

    board_context = await browser.new_context(base_url=base, locale="vi-VN")
    board = await board_context.new_page()
    await board.goto("/board/tan-thanh")
    await expect(board.locator("#connection")).to_have_attribute("data-state", "live")

    console = await _operator_console(api, browser, base)
    first, second = trucks
    queued = console.locator(f"#queue [data-details='{first['id']}']")
    await expect(queued).to_contain_text("Thanh long ruột đỏ")
    await expect(queued).to_contain_text("081090")
    await expect(queued).to_contain_text("305123456789")
    await expect(queued).to_contain_text("Công ty TNHH Trái cây Lạng Sơn")
    await expect(queued).to_contain_text("0912345678")

    # One truck per lane: the second call to X1 is refused until "force" is ticked.
    await console.click("button[data-call=X1]")
    at_lane = console.locator(f"#at-lanes [data-details='{first['id']}']")
    await expect(at_lane).to_contain_text("Kiểm dịch: chưa quyết định")
    holder = console.locator(f"#lanes [data-holder='{first['id']}']")
    await expect(holder).to_contain_text(first["plate"])
    # The page that comes back refreshes its yard part once its stream connects: let that
    # redraw land before ticking the box inside the part (what console.js redraws is the
    # console-live work of issue 16, not this test's).
    async with console.expect_response(lambda r: "partial=yard" in r.url) as refreshed:
        await console.click("button[data-call=X1]")
    await (await refreshed.value).finished()
    await expect(console.locator(".flash.error")).to_contain_text("X1")
    await expect(console.locator(f"#queue tr[data-booking='{second['id']}']")).to_have_count(1)
    force = console.locator("#lanes form", has=console.locator("button[data-call=X1]")).locator(
        "input[name=force]"
    )
    await force.check()
    await expect(force).to_be_checked()
    await console.click("button[data-call=X1]")
    await expect(console.locator(".flash")).to_contain_text(second["code"])
    await expect(console.locator(f"#at-lanes tr[data-booking='{second['id']}']")).to_have_count(1)

    # An hour's capacity below its two bookings: asked first, saved once confirmed.
    form = console.locator("#capacity-form")
    await form.locator("select[name=starts_at]").select_option(later.isoformat())
    await form.locator("input[name=capacity]").fill("1")
    await form.locator("button").click()
    question = console.locator("#capacity-question")
    await expect(question).to_contain_text("đã có 2 xe đặt chỗ")
    # What happens to them is said before it is done: the last booked move at once.
    await expect(question).to_contain_text("sẽ được chuyển ngay")
    assert (await api.slot(later))["capacity"] == 50
    await console.screenshot(path=screenshot_path("console-details"), full_page=True)
    await question.locator("button").click()
    await expect(console.locator(".flash")).to_contain_text("→ 1")
    await expect(console.locator("#capacity-question")).to_have_count(0)
    cut = await api.slot(later)
    assert (cut["capacity"], cut["booked"]) == (1, 1)  # the last booked moved to a later hour

    # A notice posted, then withdrawn: the board open beside drops it without a reload.
    await console.fill("#notice-form input[name=text]", "Làn X2 tạm dừng 30 phút")
    await console.click("#notice-form button")
    await expect(board.locator("#notices")).to_contain_text("Làn X2 tạm dừng 30 phút")
    posted = console.locator("#notices-posted li", has_text="Làn X2 tạm dừng 30 phút")
    await posted.locator("button").click()
    await expect(console.locator(".flash")).to_contain_text("Đã gỡ thông báo")
    await expect(board.locator("#notices")).not_to_contain_text("Làn X2 tạm dừng 30 phút")
    await expect(console.locator("#notices-posted li")).to_have_count(0)
    await board_context.close()

"""The pages people use, in a real browser: an enterprise books and cancels, an officer calls
and clears, a board open beside them follows without a reload, a cut websocket says it is
reconnecting and comes back to the truth; sessions and CSRF hold."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import screenshot_path
from tests.helpers import Api, admin, device, read, this_hour

PASSWORD = "mật-khẩu-thật-dài"


async def _enterprise_user(api: Api) -> tuple[Any, str]:
    enterprise = await api.enterprise(key_scope="manager")
    email = f"clerk.{enterprise.id[:8]}@xnk.vn"
    created = await api.client.post(
        f"/api/v1/enterprises/{enterprise.id}/users",
        json={"email": email, "full_name": "Nhân viên", "password": PASSWORD},
        headers=enterprise.headers,
    )
    assert created.status_code == 201, created.text
    return enterprise, email


async def _officer(api: Api, agency: str) -> str:
    email = f"{agency}.{len(agency)}{id(api) % 10000}@tan-thanh.gov.vn"
    created = await api.client.post(
        "/api/v1/officers",
        json={
            "email": email,
            "full_name": "Cán bộ",
            "agency": agency,
            "password": PASSWORD,
            "gates": ["tan-thanh"],
        },
        headers=admin(),
    )
    assert created.status_code == 201, created.text
    return email


async def _signed_in(
    browser: Browser, base: str, email: str, area: str
) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(base_url=base, locale="vi-VN")
    page = await context.new_page()
    await page.goto(f"/sign-in?next={area}")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.card button")
    await page.wait_for_url(re.compile(area))
    return context, page


async def _board(browser: Browser, base: str, **options: Any) -> Page:
    context = await browser.new_context(base_url=base, **options)
    board = await context.new_page()
    await board.goto("/board/tan-thanh")
    await expect(board.locator("#connection")).to_have_attribute("data-state", "live")
    # The page follows the boards' broadcast server (services/boards), not the API's port.
    port = await board.locator("#board").get_attribute("data-live-port")
    assert port and port != base.rsplit(":", 1)[1]
    socket_url = await board.evaluate("window.boardSocket.url")
    assert socket_url == f"ws://127.0.0.1:{port}/ws/v1/gates/tan-thanh/board"
    return board


def _first_free(board: Page) -> Any:
    return board.locator("[data-direction=export] ul.free li b").first


async def test_an_enterprise_books_a_slot_and_cancels_it_and_the_board_follows(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    _, email = await _enterprise_user(api)
    board = await _board(browser, base)
    await expect(_first_free(board)).to_have_text(re.compile(r"^\d+$"))
    free_before = int(await _first_free(board).inner_text())

    _, portal = await _signed_in(browser, base, email, "/portal")
    await portal.goto("/portal/fleet")
    await portal.fill("#vehicle-form input[name=plate]", "12C-246.80")
    await portal.click("#vehicle-form button")
    await expect(portal.locator("#vehicles")).to_contain_text("12C-246.80")
    await portal.fill("#driver-form input[name=full_name]", "Lương Văn Tài")
    await portal.fill("#driver-form input[name=id_number]", "020099001122")
    await portal.fill("#driver-form input[name=phone]", "0987654321")
    await portal.click("#driver-form button")
    await expect(portal.locator("#drivers")).to_contain_text("Lương Văn Tài")

    await portal.goto("/portal/book?gate=tan-thanh&direction=export")
    # The hour running now, the board's first free places (the calendar: a column per day).
    now = this_hour().astimezone(UTC).isoformat()
    await portal.locator(f"#booking-form td[data-slot='{now}'] input").check()
    await portal.fill("#booking-form input[name=description]", "Thanh long ruột đỏ")
    await portal.fill("#booking-form input[name=weight_kg]", "15000")
    await portal.check("#booking-form input[name=perishable]")
    await portal.click("#booking-form button")
    await portal.wait_for_url(re.compile(r"/portal/bookings/"))
    await expect(portal.locator("#live-status .status")).to_have_attribute("data-status", "booked")
    await expect(portal.locator(".qr svg")).to_be_visible()
    await expect(_first_free(board)).to_have_text(str(free_before - 1))
    await portal.screenshot(path=screenshot_path("portal-booking"), full_page=True)

    await portal.fill("#cancel-form input[name=reason]", "Hàng chưa sẵn sàng")
    await portal.click("#cancel-form button")
    await expect(portal.locator("#live-status .status")).to_have_attribute(
        "data-status", "cancelled"
    )
    await expect(_first_free(board)).to_have_text(str(free_before))


async def test_an_officer_calls_a_vehicle_and_clears_it_and_the_board_follows(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour())).json()
    checked = await api.client.post(
        "/api/v1/gates/tan-thanh/checkins", json=read(booking["plate"]), headers=await device(api)
    )
    assert checked.json()["outcome"] == "on_time"
    board = await _board(browser, base)
    export = board.locator("[data-direction=export]")
    await expect(export.locator(".waiting-total")).to_have_text("1")

    _, console = await _signed_in(browser, base, await _officer(api, "gate_operator"), "/console")
    await expect(console.locator("#queue")).to_contain_text(booking["plate"])
    await console.click("button[data-call=X1]")
    await expect(console.locator("#at-lanes")).to_contain_text(booking["plate"])
    await expect(export.locator(".called-list")).to_contain_text(booking["code"])
    await expect(export.locator(".waiting-total")).to_have_text("0")
    await console.screenshot(path=screenshot_path("console"), full_page=True)
    await console.locator(f"#at-lanes tr[data-booking='{booking['id']}'] button").first.click()
    await expect(console.locator("#at-lanes .status")).to_have_text(
        re.compile("kiểm tra|inspection", re.I)
    )

    for agency in ("border_guard", "customs", "quarantine"):
        context, officer = await _signed_in(browser, base, await _officer(api, agency), "/console")
        row = officer.locator(f"#at-lanes tr[data-booking='{booking['id']}']")
        await row.locator("select[name=decision]").select_option("cleared")
        await row.locator("form.decision button").click()
        await officer.wait_for_load_state()
        await context.close()

    await console.reload()
    await console.locator(f"#at-lanes tr[data-booking='{booking['id']}'] button").click()
    await expect(console.locator("#at-lanes")).not_to_contain_text(booking["plate"])
    await expect(export.locator(".called-list")).not_to_contain_text(booking["code"])
    history = await api.client.get(
        f"/api/v1/bookings/{booking['id']}/history", headers=enterprise.headers
    )
    assert history.json()[-1]["to_status"] == "exited"


async def test_a_board_whose_websocket_is_cut_says_reconnecting_then_shows_the_truth(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    board = await _board(browser, base)
    # The network goes: every new connection fails until it comes back. (Failed at a path
    # of this origin that takes no socket: the CSP lets the page connect to its own servers
    # only, and the test must not trip it.)
    await board.evaluate("""() => {
        window.RealWebSocket = window.WebSocket;
        window.WebSocket = class extends window.RealWebSocket {
            constructor() { super(location.origin.replace("http", "ws") + "/nowhere"); }
        };
        window.boardSocket.close();
    }""")
    await expect(board.locator("#connection")).to_have_attribute("data-state", "reconnecting")
    await expect(board.locator("#connection")).to_contain_text(
        re.compile("kết nối lại|Reconnecting")
    )

    enterprise = await api.enterprise()
    camera = await device(api)
    for _ in range(2):
        booking = (await enterprise.book(this_hour())).json()
        await api.client.post(
            "/api/v1/gates/tan-thanh/checkins", json=read(booking["plate"]), headers=camera
        )
    await board.evaluate("() => { window.WebSocket = window.RealWebSocket; }")

    await expect(board.locator("#connection")).to_have_attribute(
        "data-state", "live", timeout=15000
    )
    truth = (await api.client.get("/api/v1/gates/tan-thanh/board")).json()
    export = board.locator("[data-direction=export]")
    await expect(export.locator(".waiting-total")).to_have_text(
        str(truth["directions"][0]["waiting_total"])
    )


async def test_boards_render_for_the_yard_wall_and_for_phones(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    enterprise = await api.enterprise()
    camera = await device(api)
    for _ in range(3):
        booking = (await enterprise.book(this_hour())).json()
        await api.client.post(
            "/api/v1/gates/tan-thanh/checkins", json=read(booking["plate"]), headers=camera
        )
    wall = await _board(browser, base, viewport={"width": 1920, "height": 1080})
    await wall.goto("/board/tan-thanh?layout=wall")
    await expect(wall.locator("[data-direction=export] .waiting-total")).to_have_text("3")
    await wall.screenshot(path=screenshot_path("board-wall"))
    phone = await _board(browser, base, viewport={"width": 390, "height": 844}, is_mobile=True)
    await expect(phone.locator("[data-direction=export] .waiting-total")).to_have_text("3")
    await phone.screenshot(path=screenshot_path("board-phone"), full_page=True)
    english = await _board(browser, base, locale="en-US")
    await expect(english.locator("[data-direction=export] h2")).to_have_text("Export")
    chinese = await _board(browser, base, locale="zh-CN")
    await expect(chinese.locator("[data-direction=export] h2")).to_have_text("出口")


async def test_an_enterprise_session_cannot_open_another_enterprises_booking_page(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    other = await api.enterprise()
    theirs = (await other.book(this_hour())).json()
    _, email = await _enterprise_user(api)
    _, portal = await _signed_in(browser, base, email, "/portal")
    response = await portal.goto(f"/portal/bookings/{theirs['id']}")
    assert response is not None and response.status == 404
    assert theirs["code"] not in await portal.content()


async def test_a_form_posted_without_its_csrf_token_is_refused(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    enterprise, email = await _enterprise_user(api)
    mine = (await enterprise.book(this_hour())).json()
    _, portal = await _signed_in(browser, base, email, "/portal")
    forged = await portal.request.post(
        f"{base}/portal/bookings/{mine['id']}/cancel", form={"reason": "forged"}
    )
    assert forged.status == 403
    still = await api.client.get(f"/api/v1/bookings/{mine['id']}", headers=enterprise.headers)
    assert still.json()["status"] == "booked"


async def test_signing_out_ends_the_session_on_the_server(site: tuple[str, Api], browser: Browser):
    base, api = site
    _, email = await _enterprise_user(api)
    context, portal = await _signed_in(browser, base, email, "/portal")
    cookie = next(c for c in await context.cookies() if c["name"] == "gate_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    await portal.click("form.signout button")
    await portal.wait_for_url(re.compile(r"/$"))
    # The old token no longer works, even if someone kept a copy of it.
    replay = await api.client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {cookie['value']}"}
    )
    assert replay.status_code == 401


async def test_a_gate_operator_closes_a_lane_changes_an_hours_capacity_and_posts_a_notice(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    board = await _board(browser, base)
    _, console = await _signed_in(browser, base, await _officer(api, "gate_operator"), "/console")

    await console.locator("#lanes form", has_text="Đóng làn").first.locator("button").click()
    await expect(console.locator("#lanes")).to_contain_text("Mở làn")
    await expect(board.locator("[data-direction=export] .lane.shut")).to_have_count(1)

    await console.fill("#capacity-form input[name=capacity]", "7")
    await console.click("#capacity-form button")
    await expect(console.locator(".flash")).to_contain_text("→ 7")
    await expect(_first_free(board)).to_have_text("7")

    await console.fill("#notice-form input[name=text]", "Xe lạnh ưu tiên làn X2")
    await console.click("#notice-form button")
    await expect(board.locator("#notices")).to_contain_text("Xe lạnh ưu tiên làn X2")


async def test_the_language_follows_the_browser_and_can_be_switched(
    site: tuple[str, Api], browser: Browser
):
    base, _ = site
    context = await browser.new_context(base_url=base, locale="zh-CN")
    page = await context.new_page()
    await page.goto("/")
    await expect(page.locator("h1")).to_have_text("口岸")
    await page.click("form.lang button[value=en]")
    await expect(page.locator("h1")).to_have_text("Gates")
    await page.click("form.lang button[value=vi]")
    await expect(page.locator("h1")).to_have_text("Các cửa khẩu")


async def test_a_carrier_lets_a_shipper_book_its_truck_and_revokes_it_in_the_portal(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    carrier, carrier_email = await _enterprise_user(api)
    shipper, shipper_email = await _enterprise_user(api)
    await carrier.vehicle("12C-864.20")

    _, portal = await _signed_in(browser, base, carrier_email, "/portal")
    await portal.goto("/portal/fleet")
    await portal.fill("#grant-form input[name=grantee_tax_code]", shipper.tax_code)
    await portal.fill("#grant-form input[name=valid_until]", "2099-01-01T00:00")
    await portal.click("#grant-form button")
    # 2099 is beyond the grants' horizon: refused, and said so.
    await expect(portal.locator("#grants-given li")).to_have_count(0)
    until = this_hour(72).strftime("%Y-%m-%dT%H:%M")
    await portal.fill("#grant-form input[name=grantee_tax_code]", shipper.tax_code)
    await portal.fill("#grant-form input[name=valid_until]", until)
    await portal.click("#grant-form button")
    await expect(portal.locator("#grants-given")).to_contain_text("12C-864.20")

    _, theirs = await _signed_in(browser, base, shipper_email, "/portal")
    await theirs.goto("/portal/fleet")
    await expect(theirs.locator("#grants-received")).to_contain_text("12C-864.20")
    await theirs.goto("/portal/book")
    await expect(theirs.locator("#booking-form select[name=vehicle_id]")).to_contain_text(
        "12C-864.20"
    )

    await portal.click("#grants-given form button")
    await expect(portal.locator("#grants-given form")).to_have_count(0)
    await theirs.goto("/portal/book")
    await expect(theirs.locator("#booking-form select[name=vehicle_id]")).not_to_contain_text(
        "12C-864.20"
    )


async def test_an_open_console_goes_to_sign_in_when_the_officer_is_disabled(
    site: tuple[str, Api], browser: Browser
):
    """The console's stream is closed with 4401 when the account ends (not kept open with
    full plates, nor retried forever): the page reloads, and the reload asks for sign-in."""
    base, api = site
    email = f"gate_operator.disabled.{id(api) % 10000}@tan-thanh.gov.vn"
    body = {
        "email": email,
        "full_name": "Cán bộ",
        "agency": "gate_operator",
        "password": PASSWORD,
        "gates": ["tan-thanh"],
    }
    created = await api.client.post("/api/v1/officers", json=body, headers=admin())
    assert created.status_code == 201, created.text
    _, console = await _signed_in(browser, base, email, "/console")
    await expect(console.locator("#console-connection")).to_have_attribute("data-state", "live")
    disabled = await api.client.post(
        f"/api/v1/officers/{created.json()['id']}/disable", headers=admin()
    )
    assert disabled.status_code == 204, disabled.text
    await console.wait_for_url(re.compile("/sign-in"), timeout=10_000)

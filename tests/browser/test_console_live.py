"""The officers' console in a real browser while the gate goes on (issue 16): an officer
chooses a decision and types a reason while trucks check in at the camera; the queue
follows and what they typed, chose and focused stays; the decision then records. No decision
is preselected and none is sent unchosen. A button under the pointer is the same button
after a refresh. The keyboard reaches "call next" at once, and N, I, D and / work, never
while the officer types in a field; the search narrows the lists as they type. "Waiting for
my agency" leaves a customs officer only the trucks customs still has to decide, and each
truck's details show another agency's decision with its time."""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from typing import Any

from babel.dates import format_time
from playwright.async_api import Browser, BrowserContext, Page, expect

from gate.domain.time import LOCAL_TZ, utc_now
from tests.helpers import Api, Enterprise, admin, device, officer, read, this_hour

PASSWORD = "mật-khẩu-thật-dài"
GATE = "/api/v1/gates/tan-thanh"
LIVE = 15_000  # ms: a refresh after a check-in, on a busy machine
_officers = itertools.count(1)


async def _console(
    browser: Browser, base: str, api: Api, agency: str
) -> tuple[BrowserContext, Page]:
    """An officer of ``agency`` at Tân Thanh, signed in at the console in Vietnamese."""
    email = f"{agency}.live{next(_officers)}@tan-thanh.gov.vn"
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
    context = await browser.new_context(base_url=base, locale="vi-VN")
    page = await context.new_page()
    await page.goto("/sign-in?next=/console")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.card button")
    await page.wait_for_url(re.compile("/console/tan-thanh"))
    await expect(page.locator("#console-connection")).to_have_attribute("data-state", "live")
    return context, page


async def _arrives(api: Api, enterprise: Enterprise, camera: dict[str, str]) -> dict[str, Any]:
    """A truck booked for this hour that the gate's camera reads now."""
    booking = (await enterprise.book(this_hour())).json()
    checked = await api.client.post(f"{GATE}/checkins", json=read(booking["plate"]), headers=camera)
    assert checked.json()["outcome"] != "refused", checked.text
    return dict(booking)


async def _inspected(api: Api, operator: dict[str, str], booking: dict[str, Any]) -> None:
    called = await api.client.post(f"{GATE}/lanes/X1/call-next", headers=operator)
    assert called.json()["called"]["booking_id"] == booking["id"], called.text
    started = await api.client.post(f"{GATE}/vehicles/{booking['id']}/inspection", headers=operator)
    assert started.status_code == 200, started.text


async def test_a_half_typed_decision_stays_while_trucks_check_in_and_then_records(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    enterprise = await api.enterprise()
    camera = await device(api)
    operator = await officer(api, "gate_operator")
    truck = await _arrives(api, enterprise, camera)
    await _inspected(api, operator, truck)
    _, console = await _console(browser, base, api, "customs")
    row = console.locator(f"#at-lanes tr[data-booking='{truck['id']}']")
    decision = row.locator("select[name=decision]")
    reason = row.locator("input[name=reason]")

    # Nothing is chosen for the officer, and "record" without a choice sends nothing.
    await expect(decision).to_have_value("")
    await row.locator("form.decision button").click()
    assert await decision.evaluate("s => s.validationMessage") == (
        "Hãy chọn một quyết định trước khi ghi."
    )
    await decision.select_option("held")
    await row.locator("form.decision button").click()
    assert await reason.evaluate("r => r.validationMessage") == (
        "Tạm giữ hoặc từ chối cần có lý do."
    )
    assert "message=" not in console.url and "error=" not in console.url

    # Typing the reason; meanwhile the camera checks a truck in: the queue shows it at once,
    # and the choice, the text and the focus are as they were.
    await reason.fill("Số niêm phong khác")
    second = await _arrives(api, enterprise, camera)
    await expect(console.locator("#queue")).to_contain_text(second["plate"], timeout=LIVE)
    await expect(decision).to_have_value("held")
    await expect(reason).to_have_value("Số niêm phong khác")
    await expect(reason).to_be_focused()
    await console.keyboard.type(" tờ khai")

    # The officer looks away (the focus leaves the form), and another truck comes.
    await console.locator("h1").click()
    third = await _arrives(api, enterprise, camera)
    await expect(console.locator("#queue")).to_contain_text(third["plate"], timeout=LIVE)
    await expect(decision).to_have_value("held")
    await expect(reason).to_have_value("Số niêm phong khác tờ khai")

    await row.locator("form.decision button").click()
    await console.wait_for_url(re.compile("message="))
    await expect(row.locator(".status")).to_have_text("Tạm giữ")
    detail = (await api.client.get(f"{GATE}/vehicles/{truck['id']}", headers=operator)).json()
    assert [(d["agency"], d["decision"], d["reason"]) for d in detail["decisions"]] == [
        ("customs", "held", "Số niêm phong khác tờ khai")
    ]


async def test_a_button_under_the_pointer_stays_the_same_button_through_a_refresh(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    enterprise = await api.enterprise()
    camera = await device(api)
    first = await _arrives(api, enterprise, camera)
    _, console = await _console(browser, base, api, "gate_operator")
    call = console.locator("button[data-call=X1]")
    await call.hover()
    # A mark only this very element carries (a property, not an attribute).
    await call.evaluate("button => { button.seenBefore = true; }")
    second = await _arrives(api, enterprise, camera)
    await expect(console.locator("#queue")).to_contain_text(second["plate"], timeout=LIVE)
    assert await call.evaluate("button => button.seenBefore === true")
    await call.click()
    await expect(console.locator("#at-lanes")).to_contain_text(first["plate"])


async def test_the_keyboard_calls_inspects_decides_and_searches_without_stealing_keys(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    enterprise = await api.enterprise()
    camera = await device(api)
    first = await _arrives(api, enterprise, camera)
    second = await _arrives(api, enterprise, camera)
    _, console = await _console(browser, base, api, "gate_operator")
    keys = console.keyboard
    queue, at_lanes = console.locator("#queue"), console.locator("#at-lanes")
    await expect(console.locator("#shortcuts")).to_contain_text("Phím tắt")

    # The first Tab reaches "call next"'s link, Enter the button itself.
    await keys.press("Tab")
    await expect(console.locator("#skip-to-work")).to_be_focused()
    await keys.press("Enter")
    await expect(console.locator("button[data-call=X1]")).to_be_focused()

    # "/" to the search; letters typed there are the search's, not shortcuts.
    await console.locator("h1").click()
    await keys.press("/")
    search = console.locator("#console-q")
    await expect(search).to_be_focused()
    # (No plate has an N, no booking code an I or a 1: "ni" finds nothing.)
    await keys.type("ni")
    await expect(search).to_have_value("ni")
    await expect(console.locator("#search-summary")).to_contain_text("Không có xe nào khớp")
    await search.fill(second["plate"].lower().replace("-", " "))
    await expect(queue).to_contain_text(second["plate"])
    await expect(queue).not_to_contain_text(first["plate"])
    assert "q=" in console.url  # the address follows: a reload shows the same
    await search.fill("")
    await expect(queue).to_contain_text(first["plate"])
    await expect(at_lanes).not_to_contain_text(first["plate"])  # "n" called nobody
    await expect(console.locator("#search-summary")).to_have_count(0)

    # N calls the next truck; the focus goes on to its inspection, which I starts.
    await console.locator("h1").click()
    await keys.press("n")
    await expect(at_lanes).to_contain_text(first["plate"])
    await expect(console.locator("#at-lanes form[action$='/inspection'] button")).to_be_focused()
    await console.locator("h1").click()
    await keys.press("i")
    await expect(at_lanes.locator(".status")).to_have_text(re.compile("kiểm tra", re.I))

    # D goes to the decision; a reason typed with the letters of the shortcuts stays a reason.
    _, guard = await _console(browser, base, api, "border_guard")
    await guard.locator("h1").click()
    await guard.keyboard.press("d")
    decision = guard.locator(f"#at-lanes tr[data-booking='{first['id']}'] select[name=decision]")
    await expect(decision).to_be_focused()
    await decision.select_option("cleared")
    reason = guard.locator(f"#at-lanes tr[data-booking='{first['id']}'] input[name=reason]")
    await reason.focus()
    await guard.keyboard.type("ndi/")
    await expect(reason).to_have_value("ndi/")
    await guard.keyboard.press("Escape")
    await expect(reason).not_to_be_focused()
    await guard.keyboard.press("d")
    await expect(decision).to_be_focused()
    await expect(decision).to_have_value("cleared")
    await expect(guard.locator("#at-lanes")).to_contain_text(first["plate"])
    assert "message=" not in guard.url


async def _inspected_at(
    api: Api, operator: dict[str, str], booking: dict[str, Any], lane: str
) -> None:
    called = await api.client.post(f"{GATE}/lanes/{lane}/call-next", headers=operator)
    assert called.json()["called"]["booking_id"] == booking["id"], called.text
    started = await api.client.post(f"{GATE}/vehicles/{booking['id']}/inspection", headers=operator)
    assert started.status_code == 200, started.text


def _clocks(*moments: datetime) -> set[str]:
    """Each moment's time of day as CLDR writes it in Vietnamese, on the gates' clock."""
    return {format_time(m.astimezone(LOCAL_TZ), "HH:mm", locale="vi") for m in moments}


async def test_waiting_for_my_agency_narrows_to_customs_work_and_shows_who_decided_when(
    site: tuple[str, Api], browser: Browser
):
    base, api = site
    enterprise = await api.enterprise()
    camera = await device(api)
    operator = await officer(api, "gate_operator")
    ours, theirs = await officer(api, "customs"), await officer(api, "border_guard")
    done, waiting = await _arrives(api, enterprise, camera), await _arrives(api, enterprise, camera)
    await _inspected_at(api, operator, done, "X1")
    await _inspected_at(api, operator, waiting, "X2")
    decided = await api.client.post(
        f"{GATE}/vehicles/{done['id']}/decisions", json={"decision": "cleared"}, headers=ours
    )
    assert decided.status_code == 200, decided.text
    before = utc_now()
    guard = await api.client.post(
        f"{GATE}/vehicles/{waiting['id']}/decisions", json={"decision": "cleared"}, headers=theirs
    )
    assert guard.status_code == 200, guard.text
    after = utc_now()

    _, console = await _console(browser, base, api, "customs")
    at_lanes = console.locator("#at-lanes")
    await expect(at_lanes).to_contain_text(done["plate"])
    await expect(at_lanes).to_contain_text(waiting["plate"])
    # The border guard's decision on the waiting truck, with its time, in the customs' view.
    step = console.locator(f"#at-lanes [data-details='{waiting['id']}'] [data-agency=border_guard]")
    await expect(step).to_have_attribute("data-decision", "cleared")
    await expect(step).to_contain_text("Thông quan")
    shown = (await step.locator("time").inner_text()).strip()
    assert shown in _clocks(before, after), shown

    # "Waiting for my agency": only what customs still has to decide; off again, both.
    await console.locator("#console-search input[name=mine]").check()
    await expect(at_lanes).not_to_contain_text(done["plate"])
    await expect(at_lanes).to_contain_text(waiting["plate"])
    await expect(console).to_have_url(re.compile(r"mine=1"))  # a reload shows the same
    await console.locator("#console-search input[name=mine]").uncheck()
    await expect(at_lanes).to_contain_text(done["plate"])

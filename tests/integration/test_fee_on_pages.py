"""The crossing's fee on the pages, in the page's language (Babel's money, the status in
words, the invoice number): the portal's booking page and list, the driver's page (and its
JSON state), the console's truck details with "fee unpaid" for a fee still due."""

from __future__ import annotations

import re
from typing import Any

from gate.config import Settings
from services.common.session import SESSION_COOKIE
from tests.fees import make_schedule
from tests.helpers import (
    Api,
    Enterprise,
    device,
    enterprise_user,
    officer,
    open_all_day,
    read,
    this_hour,
    tomorrow_at,
)


def _text(html: str) -> str:
    """The page's words, tags dropped and spaces (the no-break one too) made single."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def _booked(api: Api, settings: Settings) -> tuple[Enterprise, dict[str, Any]]:
    await make_schedule(settings)
    enterprise = await api.enterprise()
    made = await enterprise.book(tomorrow_at(9))
    assert made.status_code == 201, made.text
    return enterprise, made.json()


async def test_the_portal_shows_the_fee_on_the_booking_page_and_in_the_list(
    api: Api, settings: Settings
) -> None:
    enterprise, booking = await _booked(api, settings)
    number = booking["fee"]["invoice_number"]
    api.client.cookies.set(SESSION_COOKIE, await enterprise_user(api, enterprise))

    api.client.cookies.set("gate_lang", "en")
    page = _text((await api.client.get(f"/portal/bookings/{booking['id']}")).text)
    assert f"Border-gate infrastructure fee ₫2,000,000 · Fee unpaid Invoice number {number}" in (
        page
    )
    api.client.cookies.set("gate_lang", "vi")
    listed = _text((await api.client.get("/portal/")).text)
    assert f"2.000.000 ₫ · Chưa nộp phí · {number}" in listed


async def test_the_portal_shows_no_fee_where_none_was_fixed(api: Api) -> None:
    enterprise = await api.enterprise()
    booking = (await enterprise.book(tomorrow_at(9))).json()
    api.client.cookies.set(SESSION_COOKIE, await enterprise_user(api, enterprise))
    api.client.cookies.set("gate_lang", "en")
    page = (await api.client.get(f"/portal/bookings/{booking['id']}")).text
    # (The page's script carries every word, so the words are looked for as shown.)
    assert 'class="fee"' not in page and 'class="invoice-number"' not in page


async def test_the_drivers_page_shows_the_fee_and_its_state_carries_it(
    api: Api, settings: Settings
) -> None:
    enterprise, booking = await _booked(api, settings)
    link = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/driver-links", headers=enterprise.headers
    )
    path = "/d/" + link.json()["url"].rsplit("/d/", 1)[1]

    page = _text((await api.client.get(path, params={"lang": "zh"})).text)
    number = booking["fee"]["invoice_number"]
    assert f"口岸基础设施使用费: ₫2,000,000 · 未缴费 发票号码: {number}" in page
    state = (await api.client.get(f"{path}/state")).json()
    assert state["fee"] == {
        "amount_vnd": 2_000_000,
        "status": "due",
        "invoice_number": number,
        "paid_amount_vnd": 0,
    }


async def test_the_console_shows_a_trucks_fee_unpaid(api: Api, settings: Settings) -> None:
    await open_all_day(api)
    await make_schedule(settings, effective_from=this_hour(-1), now=this_hour(-1))
    walk_in = await api.client.post(
        "/api/v1/gates/tan-thanh/checkins", json=read("12C-777.21"), headers=await device(api)
    )
    assert walk_in.json()["outcome"] == "walk_in", walk_in.text

    token = (await officer(api, "gate_operator"))["Authorization"].removeprefix("Bearer ")
    api.client.cookies.set(SESSION_COOKIE, token)
    api.client.cookies.set("gate_lang", "en")
    console = (await api.client.get("/console/tan-thanh?direction=export")).text
    start = console.index('class="fee"')
    shown = _text(console[start : console.index("</dl>", start)])
    assert re.search(r"Border-gate infrastructure fee ₫1,500,000 · Fee unpaid", shown), shown
    assert re.search(r"Invoice number TT\d{9}", shown), shown


async def test_the_console_lists_the_gates_schedule_versions_and_rates(
    api: Api, settings: Settings
) -> None:
    token = (await officer(api, "customs"))["Authorization"].removeprefix("Bearer ")
    api.client.cookies.set(SESSION_COOKIE, token)
    api.client.cookies.set("gate_lang", "en")
    empty = await api.client.get("/console/tan-thanh/fees")
    assert empty.status_code == 200, empty.text
    assert "The gate has no fee schedule" in _text(empty.text)

    await make_schedule(settings, effective_from=this_hour(-1), now=this_hour(-1))
    await make_schedule(settings, effective_from=tomorrow_at(10), decision="Nghị quyết 02/2026")
    shown = await api.client.get("/console/tan-thanh/fees")
    assert shown.status_code == 200, shown.text
    text = _text(shown.text)
    # The latest first: the one to come, then the one in force.
    assert text.index("Version 2 (upcoming)") < text.index("Version 1 (in force)"), text
    assert "Decision: Nghị quyết 02/2026" in text
    assert "Export Container truck Any ₫2,000,000" in text
    assert "Import Any Any ₫1,200,000" in text
    nowhere = await api.client.get("/console/nowhere/fees")
    assert nowhere.status_code == 404

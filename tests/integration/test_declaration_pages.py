"""A declaration amended on the portal's booking page and its versions in the console's truck
details (issue 18), on both databases: the form is drawn while booked with the declaration as
it stands, acted on once per drawn form, and refused after check-in in the page's language;
the officers see each version with what changed, the public board none of it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from sqlalchemy import func, select

from gate.store.tables import BookingDeclaration
from gate.store.unit_of_work import UnitOfWork
from services.common.session import SESSION_COOKIE
from tests.helpers import (
    Api,
    Enterprise,
    browser,
    device,
    enterprise_user,
    officer,
    open_all_day,
    page_csrf,
    read,
    this_hour,
)

FRUIT = {
    "description": "Sầu riêng Đắk Lắk",
    "weight_kg": 18000,
    "perishable": True,
    "hs_code": "0810.60",
    "declaration_number": "305987654321",
}
AMENDED = "305111222333"


async def _booked_in_portal(api: Api, language: str) -> tuple[Enterprise, dict[str, Any], dict]:
    """A booking of this hour, and the enterprise's browser signed in (its CSRF header)."""
    await open_all_day(api)
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour(), cargo=FRUIT)).json()
    csrf = await browser(api, await enterprise_user(api, enterprise))
    api.client.cookies.set("gate_lang", language)
    return enterprise, booking, csrf


def _declaration_form(page: str) -> dict[str, str]:
    """The amendment form's fields as the page drew them (inputs and the chosen driver)."""
    start = page.index('id="declaration-form"')
    form = page[start : page.index("</form>", start)]
    fields = dict(re.findall(r'<input (?:type="hidden" )?name="(\w+)"[^>]*?value="([^"]*)"', form))
    driver = re.search(r'<option value="([^"]+)" selected>', form)
    assert driver is not None, form
    fields["driver_id"] = driver.group(1)
    if 'name="perishable" checked' in form:
        fields["perishable"] = "on"
    return fields


async def _versions(uow: UnitOfWork, booking_id: str) -> int:
    count = await uow.session.scalar(
        select(func.count()).where(BookingDeclaration.booking_id == booking_id)
    )
    return int(count or 0)


async def test_the_booking_page_amends_once_per_form_and_shows_the_versions(
    api: Api, uow: UnitOfWork
):
    enterprise, booking, csrf = await _booked_in_portal(api, "vi")
    page = await api.client.get(f"/portal/bookings/{booking['id']}")
    assert page.status_code == 200, page.text
    form = _declaration_form(page.text)
    assert form["declaration_number"] == "305987654321" and form["hs_code"] == "081060"
    assert form["driver_id"] == booking["driver_id"] and form["perishable"] == "on"
    sent = {**form, "declaration_number": AMENDED, "weight_kg": "18500"}

    url = f"/portal/bookings/{booking['id']}/declaration"
    first = await api.client.post(url, data=sent, headers=csrf)
    again = await api.client.post(url, data=sent, headers=csrf)  # a double click

    assert first.status_code == again.status_code == 303, first.text
    assert "Đã sửa khai báo: phiên bản 2" in unquote(first.headers["location"])
    assert again.headers["location"] == first.headers["location"]
    assert await _versions(uow, booking["id"]) == 2
    shown = (await api.client.get(f"/portal/bookings/{booking['id']}")).text
    versions = shown[shown.index('id="declaration-versions"') :].split("</section>")[0]
    assert "Phiên bản 1" in versions and "khai báo ban đầu khi đăng ký" in versions
    assert f"305987654321 → <b>{AMENDED}</b>" in versions
    assert "18.000 kg → <b>18.500 kg</b>" in versions
    history = shown[shown.index('<ol id="history"') :].split("</ol>")[0]
    assert "Đã sửa khai báo" in history and "booking.declaration_amended" not in history
    api_view = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers)
    assert api_view.json()["cargo"]["declaration_number"] == AMENDED


async def test_after_check_in_the_form_is_gone_and_an_old_one_is_refused_in_words(
    api: Api, uow: UnitOfWork
):
    _, booking, csrf = await _booked_in_portal(api, "zh")
    page = await api.client.get(f"/portal/bookings/{booking['id']}")
    form = _declaration_form(page.text)
    checked_in = await api.client.post(
        "/api/v1/gates/tan-thanh/checkins", json=read(booking["plate"]), headers=await device(api)
    )
    assert checked_in.json()["outcome"] == "on_time", checked_in.text

    refused = await api.client.post(
        f"/portal/bookings/{booking['id']}/declaration",
        data={**form, "weight_kg": "1"},
        headers=csrf,
    )

    # The booking's page again (issue 16: no redirect), with the reason in its language.
    assert refused.status_code == 409, refused.text
    flash = re.search(r'<p class="flash error" role="alert">([^<]*)</p>', refused.text)
    assert flash is not None and "车辆已登记入场：申报不能再修改。" in flash.group(1), flash
    assert 'id="declaration-form"' not in refused.text
    assert await _versions(uow, booking["id"]) == 0


async def test_a_refused_amendment_keeps_what_was_typed_not_the_old_values(
    api: Api, uow: UnitOfWork
):
    """Issue 16: a refused amendment came back with the declaration as it stood; it is drawn
    again as typed, 422, the reason in the page's language, and sent again corrected from
    the page drawn again (its CSRF token and form key), it is kept."""
    enterprise, booking, csrf = await _booked_in_portal(api, "en")
    form = _declaration_form((await api.client.get(f"/portal/bookings/{booking['id']}")).text)
    typed = {
        **form,
        "description": "Thanh long Bình Thuận",
        "declaration_number": AMENDED,
        "hs_code": "0810.90",
        "weight_kg": "250000",
    }
    url = f"/portal/bookings/{booking['id']}/declaration"

    refused = await api.client.post(url, data=typed, headers=csrf)

    assert refused.status_code == 422, refused.text
    assert "location" not in refused.headers
    again = _declaration_form(refused.text)
    for name in ("description", "declaration_number", "hs_code", "weight_kg"):
        assert again[name] == typed[name], (name, again)
    flash = re.search(r'<p class="flash error" role="alert">([^<]*)</p>', refused.text)
    assert flash is not None and flash.group(1) == "The value of “Weight (kg)” is not valid."
    # Nothing stored (asked through the API: this test's own session would keep its snapshot).
    stored = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers)
    assert stored.json()["cargo"]["declaration_number"] == FRUIT["declaration_number"]

    kept = await api.client.post(
        url, data={**again, "weight_kg": "18500"}, headers=page_csrf(refused.text)
    )
    assert kept.status_code == 303, kept.text
    assert await _versions(uow, booking["id"]) == 2


async def test_the_console_shows_each_version_with_its_changes_and_the_board_none(api: Api):
    enterprise, booking, _ = await _booked_in_portal(api, "vi")
    other_driver = await enterprise.driver()
    amended = await api.client.post(
        f"/api/v1/bookings/{booking['id']}/declaration",
        json={
            "version": 1,
            "driver_id": other_driver["id"],
            "cargo": {**FRUIT, "declaration_number": AMENDED},
        },
        headers=enterprise.headers,
    )
    assert amended.status_code == 200, amended.text
    checked_in = await api.client.post(
        "/api/v1/gates/tan-thanh/checkins", json=read(booking["plate"]), headers=await device(api)
    )
    assert checked_in.json()["outcome"] == "on_time", checked_in.text

    api.client.cookies.clear()
    token = (await officer(api, "customs"))["Authorization"].removeprefix("Bearer ")
    api.client.cookies.set(SESSION_COOKIE, token)
    console = await api.client.get("/console/tan-thanh?direction=export")
    assert console.status_code == 200, console.text
    page_csrf(console.text)
    start = console.text.index(f'data-details="{booking["id"]}"')
    block = console.text[start : console.text.index("</dl>", start)]
    text = " ".join(re.sub(r"<[^>]+>", " ", block).split())
    assert "Phiên bản 2" in text and "Phiên bản 1" in text and "doanh nghiệp" in text
    assert f"305987654321 → {AMENDED}" in text
    assert f"→ {other_driver['full_name']}" in text

    api.client.cookies.clear()
    for public in (
        await api.client.get("/board/tan-thanh"),
        await api.client.get("/api/v1/gates/tan-thanh/board"),
    ):
        assert public.status_code == 200
        assert AMENDED not in public.text and other_driver["full_name"] not in public.text

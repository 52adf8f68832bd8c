"""Fair rebooking in the portal, on both databases: the booking form takes a latest acceptable
hour (local, as the page's input writes it); a booking the gate moved shows the notice with
its two answers, and accepting or choosing another hour from the page lands and closes it;
the latest acceptable hour can be changed from the booking's page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from gate.domain.time import LOCAL_TZ
from tests.helpers import (
    Api,
    Enterprise,
    admin,
    browser,
    enterprise_user,
    open_all_day,
    this_hour,
)

NOTICE = "Cửa khẩu đã chuyển giờ đặt chỗ này"


async def _portal(api: Api) -> tuple[Enterprise, dict[str, str]]:
    await open_all_day(api, capacity=2)
    enterprise = await api.enterprise()
    csrf = await browser(api, await enterprise_user(api, enterprise))
    api.client.cookies.set("gate_lang", "vi")
    return enterprise, csrf


def _hidden(page: str, form_id: str) -> dict[str, str]:
    """The hidden fields of the form ``form_id`` as the page drew them."""
    start = page.index(f'id="{form_id}"')
    form = page[start : page.index("</form>", start)]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


async def _moved(api: Api, enterprise: Enterprise) -> dict[str, Any]:
    """A booking of ``enterprise`` the gate moved from three hours ahead to four."""
    hour = this_hour(3)
    assert (await enterprise.book(hour)).status_code == 201
    booking = (await enterprise.book(hour)).json()
    body = {"direction": "export", "starts_at": hour.isoformat(), "capacity": 1}
    cut = await api.client.post(
        "/api/v1/gates/tan-thanh/capacity-overrides",
        json=body,
        headers=admin(),
    )
    assert cut.status_code == 200 and cut.json()["bookings_moved"] == 1, cut.text
    return dict(booking)


async def _read(api: Api, enterprise: Enterprise, booking: dict[str, Any]) -> dict[str, Any]:
    answer = await api.client.get(f"/api/v1/bookings/{booking['id']}", headers=enterprise.headers)
    return dict(answer.json())


async def test_the_booking_form_takes_a_latest_acceptable_hour(api: Api):
    enterprise, csrf = await _portal(api)
    vehicle, driver = await enterprise.vehicle(), await enterprise.driver()
    page = await api.client.get("/portal/book", params={"gate": "tan-thanh"})
    assert 'name="latest_acceptable_at"' in page.text
    latest = this_hour(8).astimezone(LOCAL_TZ)
    form = {
        **dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text)),
        "slot_start": this_hour(5).isoformat(),
        "vehicle_id": vehicle["id"],
        "driver_id": driver["id"],
        "description": "Sầu riêng",
        "weight_kg": "8000",
        "latest_acceptable_at": latest.strftime("%Y-%m-%dT%H:%M"),
    }
    made = await api.client.post("/portal/book", data=form, headers=csrf)
    assert made.status_code == 303, made.text[:500]
    booking_id = made.headers["location"].split("?")[0].rsplit("/", 1)[1]
    booking = await _read(api, enterprise, {"id": booking_id})
    assert datetime.fromisoformat(booking["latest_acceptable_at"]) == latest


async def test_a_moved_booking_shows_the_notice_and_an_accept_from_the_page_lands(api: Api):
    enterprise, csrf = await _portal(api)
    booking = await _moved(api, enterprise)
    page = (await api.client.get(f"/portal/bookings/{booking['id']}")).text
    assert NOTICE in page and 'id="rebooking-accept"' in page
    assert 'action="/portal/bookings/' + booking["id"] + '/rebooking/choose"' in page

    accepted = await api.client.post(
        f"/portal/bookings/{booking['id']}/rebooking/accept",
        data=_hidden(page, "rebooking-accept"),
        headers=csrf,
    )
    assert accepted.status_code == 303
    assert "Đã chấp nhận giờ" in unquote(accepted.headers["location"])
    after = await _read(api, enterprise, booking)
    assert after["rebooking_open_until"] is None and after["status"] == "booked"
    page = (await api.client.get(f"/portal/bookings/{booking['id']}")).text
    assert NOTICE not in page
    history = page[page.index('<ol id="history"') :].split("</ol>")[0]
    assert "Cửa khẩu chuyển từ" in history and "giờ này giảm sức chứa" in history
    assert "Doanh nghiệp chấp nhận giờ mới" in history


async def test_another_hour_chosen_from_the_page_lands(api: Api):
    enterprise, csrf = await _portal(api)
    booking = await _moved(api, enterprise)
    page = (await api.client.get(f"/portal/bookings/{booking['id']}")).text
    chosen_hour = this_hour(7)
    form = {**_hidden(page, "reschedule-form"), "slot_start": chosen_hour.isoformat()}
    chosen = await api.client.post(
        f"/portal/bookings/{booking['id']}/rebooking/choose", data=form, headers=csrf
    )
    assert chosen.status_code == 303 and "Đã đổi sang" in unquote(chosen.headers["location"])
    after = await _read(api, enterprise, booking)
    # A time that is none: refused in the page's words, never msgspec's English.
    page = (await api.client.get(f"/portal/bookings/{booking['id']}")).text
    form = {**_hidden(page, "reschedule-form"), "slot_start": "not a time"}
    refused = await api.client.post(
        f"/portal/bookings/{booking['id']}/rebooking/choose", data=form, headers=csrf
    )
    said = unquote(refused.headers["location"])
    assert "Invalid" not in said and "RFC3339" not in said, said
    assert datetime.fromisoformat(after["slot_start"]) == chosen_hour
    assert after["rebooking_open_until"] is None


async def test_the_latest_acceptable_hour_is_changed_from_the_page(api: Api):
    enterprise, csrf = await _portal(api)
    booking = (await enterprise.book(this_hour(4))).json()
    page = (await api.client.get(f"/portal/bookings/{booking['id']}")).text
    latest = this_hour(10).astimezone(LOCAL_TZ)
    form = {
        **_hidden(page, "latest-acceptable-form"),
        "latest_acceptable_at": latest.strftime("%Y-%m-%dT%H:%M"),
    }
    saved = await api.client.post(
        f"/portal/bookings/{booking['id']}/latest-acceptable", data=form, headers=csrf
    )
    assert saved.status_code == 303, saved.text
    assert "Đã lưu giờ muộn nhất" in unquote(saved.headers["location"])
    after = await _read(api, enterprise, booking)
    assert datetime.fromisoformat(after["latest_acceptable_at"]).astimezone(UTC) == latest
    assert after["version"] == booking["version"] + 1
    # Before the booking's own hour: refused in the page's words, nothing changed.
    page = (await api.client.get(f"/portal/bookings/{booking['id']}")).text
    early = (this_hour(4) - timedelta(hours=2)).astimezone(LOCAL_TZ)
    form = {
        **_hidden(page, "latest-acceptable-form"),
        "latest_acceptable_at": early.strftime("%Y-%m-%dT%H:%M"),
    }
    refused = await api.client.post(
        f"/portal/bookings/{booking['id']}/latest-acceptable", data=form, headers=csrf
    )
    assert "không thể trước giờ của đặt chỗ" in unquote(refused.headers["location"])
    assert (await _read(api, enterprise, booking))["version"] == after["version"]

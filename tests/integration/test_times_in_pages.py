"""The pages' forms take times too: a time the platform cannot represent sends the user back
to the form with the reason, as any refused value does, never to a 500; a day beyond the
accepted window shows today's calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import Api, browser, enterprise_user, officer, tomorrow_at

EXTREMES = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2100-01-01T00:00:00Z"]


async def _enterprise_browser(api: Api) -> tuple[dict[str, str], str]:
    enterprise = await api.enterprise()
    token = await enterprise_user(api, enterprise)
    booked = await enterprise.book(tomorrow_at(9))
    assert booked.status_code == 201, booked.text
    return await browser(api, token), booked.json()["id"]


@pytest.mark.parametrize("moment", EXTREMES)
async def test_the_portals_forms_send_an_unrepresentable_slot_back_with_the_reason(
    api: Api, moment: str
):
    csrf, booking_id = await _enterprise_browser(api)
    book = await api.client.post(
        "/portal/book",
        data={"gate": "tan-thanh", "direction": "export", "slot_start": moment},
        headers=csrf,
    )
    # The booking form comes back as sent, with the reason (services/web/portal_booking.py).
    assert book.status_code == 422 and 'class="flash error"' in book.text, book.text
    moved = await api.client.post(
        f"/portal/bookings/{booking_id}/reschedule",
        data={"slot_start": moment, "version": "1"},
        headers=csrf,
    )
    assert moved.status_code == 303 and "error=" in moved.headers["location"], moved.text


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2100-01-01"])
async def test_the_booking_calendar_of_a_day_outside_the_window_shows_today(api: Api, day: str):
    await _enterprise_browser(api)
    page = await api.client.get("/portal/book", params={"day": day})
    assert page.status_code == 200, page.text


@pytest.mark.parametrize("moment", EXTREMES)
async def test_the_consoles_capacity_form_sends_an_unrepresentable_hour_back(api: Api, moment: str):
    token = (await officer(api, "gate_operator"))["Authorization"].split()[1]
    csrf = await browser(api, token)
    answer = await api.client.post(
        "/console/tan-thanh/capacity",
        data={"direction": "export", "starts_at": moment, "capacity": "3"},
        headers=csrf,
    )
    assert answer.status_code == 303 and "error=" in answer.headers["location"], answer.text


async def test_the_consoles_notice_form_sends_an_expiry_already_past_back_with_the_reason(
    api: Api,
):
    """The use case's own rule (not the form's decoding) refuses it: back to the page too."""
    operator = await officer(api, "gate_operator")
    csrf = await browser(api, operator["Authorization"].split()[1])
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    answer = await api.client.post(
        "/console/tan-thanh/notices",
        data={"direction": "export", "text": "Đóng cửa sớm", "expires_at": past},
        headers=csrf,
    )
    # The page drawn again with the notice as typed and the reason in its language
    # (services/web/page_words.py; issue 16: nothing typed is lost).
    assert answer.status_code == 422 and "location" not in answer.headers, answer.text
    assert 'class="flash error"' in answer.text and 'value="Đóng cửa sớm"' in answer.text

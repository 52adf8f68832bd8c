"""The portal's bookings, on both databases: the list's filters and search and its CSV for
Excel; a booking form sent twice makes one booking and answers it both times; a reschedule
into an hour that filled meanwhile comes back with the reason in the page's language."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from babel import Locale
from babel.dates import format_skeleton, format_time
from sqlalchemy import func, select

from gate.domain.time import LOCAL_TZ
from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, Enterprise, browser, enterprise_user, open_all_day, tomorrow_at


async def _portal(api: Api, language: str = "vi") -> tuple[Enterprise, dict[str, str]]:
    await open_all_day(api)
    enterprise = await api.enterprise()
    csrf = await browser(api, await enterprise_user(api, enterprise))
    api.client.cookies.set("gate_lang", language)
    return enterprise, csrf


def _rows(answer: Any) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbf"), answer.content[:10]  # Excel's UTF-8 mark
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


async def test_the_bookings_csv_holds_what_the_filters_find_worded_for_excel(api: Api):
    enterprise, _ = await _portal(api)
    first = (await enterprise.book(tomorrow_at(9))).json()
    second = (await enterprise.book(tomorrow_at(10, days=2), direction="import")).json()
    third = (await enterprise.book(tomorrow_at(11, days=3))).json()
    cancelled = await api.client.post(
        f"/api/v1/bookings/{third['id']}/cancel", json={}, headers=enterprise.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    other = await api.enterprise()
    theirs = (await other.book(tomorrow_at(9))).json()

    every = _rows(await api.client.get("/portal/bookings.csv"))
    assert every[0][:3] == ["Mã đăng ký", "Biển số", "Biển số rơ-moóc"]
    codes = [row[0] for row in every[1:]]
    assert codes == [first["code"], second["code"], third["code"]]  # slot order, ours only
    assert theirs["code"] not in codes
    row = every[1]
    assert row[4] == "Xuất" and row[6] == "Đã đăng ký" and row[12] == "Có"
    assert row[5] == tomorrow_at(9).strftime("%Y-%m-%d %H:%M")
    assert row[8] == "Thanh long (dragon fruit), 20 t" and row[9] == "20000"

    imports = _rows(await api.client.get("/portal/bookings.csv", params={"direction": "import"}))
    assert [r[0] for r in imports[1:]] == [second["code"]]
    gone = _rows(await api.client.get("/portal/bookings.csv", params={"status": "cancelled"}))
    assert [r[0] for r in gone[1:]] == [third["code"]]
    day = tomorrow_at(10, days=2).date().isoformat()
    one_day = _rows(await api.client.get("/portal/bookings.csv", params={"from": day, "to": day}))
    assert [r[0] for r in one_day[1:]] == [second["code"]]
    # Part of a plate, written any way; or a booking's code in lower case.
    digits = re.sub(r"\D", "", first["plate"])[-4:]
    by_plate = _rows(await api.client.get("/portal/bookings.csv", params={"q": digits}))
    assert first["code"] in [r[0] for r in by_plate[1:]]
    by_code = _rows(
        await api.client.get("/portal/bookings.csv", params={"q": second["code"].lower()})
    )
    assert [r[0] for r in by_code[1:]] == [second["code"]]

    listed = await api.client.get("/portal/", params={"q": second["code"]})
    assert listed.status_code == 200 and second["code"] in listed.text
    assert first["code"] not in listed.text
    assert f"/portal/bookings.csv?q={second['code']}" in listed.text


async def test_a_cargo_that_looks_like_a_formula_stays_text_in_the_csv(api: Api):
    enterprise, _ = await _portal(api)
    vehicle, driver = await enterprise.vehicle(), await enterprise.driver()
    body = enterprise.booking_body(vehicle, driver, tomorrow_at(9))
    body["cargo"]["description"] = '=HYPERLINK("http://evil.example","x")'
    made = await api.client.post("/api/v1/bookings", json=body, headers=enterprise.headers)
    assert made.status_code == 201, made.text
    rows = _rows(await api.client.get("/portal/bookings.csv"))
    assert rows[1][8] == "'" + body["cargo"]["description"]


async def test_a_filter_the_list_cannot_take_is_a_4xx_with_the_reason_in_words(api: Api):
    await _portal(api, "en")
    for params, words in (
        ({"from": "2026-13-01"}, "year-month-day"),
        ({"from": "2026-12-05", "to": "2026-12-01"}, "not before the first day"),
        ({"status": "lost"}, "one of the list"),
        ({"direction": "sideways"}, ""),
        ({"q": "x" * 40}, "at most 32"),
    ):
        answer = await api.client.get("/portal/", params=params)
        assert answer.status_code == 422, (params, answer.text[:300])
        assert words in answer.text
        export = await api.client.get("/portal/bookings.csv", params=params)
        assert export.status_code == 422, (params, export.text[:300])
    unknown_gate = await api.client.get("/portal/", params={"gate": "atlantis"})
    assert unknown_gate.status_code == 404


def _form(page: str) -> dict[str, str]:
    """The booking form's hidden fields as the page drew them."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))


async def test_a_booking_form_sent_twice_makes_one_booking_and_answers_it_both_times(
    api: Api, uow: UnitOfWork
):
    enterprise, csrf = await _portal(api)
    vehicle, driver = await enterprise.vehicle(), await enterprise.driver()
    page = await api.client.get("/portal/book", params={"gate": "tan-thanh"})
    assert page.status_code == 200, page.text
    form = {
        **_form(page.text),
        "slot_start": tomorrow_at(9).isoformat(),
        "vehicle_id": vehicle["id"],
        "driver_id": driver["id"],
        "description": "Vải thiều",
        "weight_kg": "12000",
    }
    assert form["form_key"]
    # A double click: both posts on the way at once.
    answers = await asyncio.gather(
        *(api.client.post("/portal/book", data=form, headers=csrf) for _ in range(2))
    )
    places = {answer.headers.get("location", "").split("?")[0] for answer in answers}
    assert all(answer.status_code == 303 for answer in answers), [a.text for a in answers]
    assert len(places) == 1 and places.pop().startswith("/portal/bookings/")
    again = await api.client.post("/portal/book", data=form, headers=csrf)  # a reload
    assert again.status_code == 303 and again.headers["location"] == answers[0].headers["location"]
    made = await uow.session.scalar(
        select(func.count()).select_from(Booking).where(Booking.enterprise_id == enterprise.id)
    )
    assert made == 1

    # The same form's key with other values is no replay: refused in the page's words.
    changed = await api.client.post(
        "/portal/book", data={**form, "weight_kg": "13000"}, headers=csrf
    )
    assert changed.status_code == 422, changed.text[:300]
    assert "Biểu mẫu này đã được gửi" in changed.text


async def test_a_refused_booking_draws_the_form_again_as_sent_with_the_reason(api: Api):
    enterprise, csrf = await _portal(api, "zh")
    await api.set_capacity(tomorrow_at(9), 1)
    assert (await (await api.enterprise()).book(tomorrow_at(9))).status_code == 201
    vehicle, driver = await enterprise.vehicle(), await enterprise.driver()
    page = await api.client.get("/portal/book")
    form = {
        **_form(page.text),
        "slot_start": tomorrow_at(9).isoformat(),
        "vehicle_id": vehicle["id"],
        "driver_id": driver["id"],
        "description": "Sầu riêng",
        "weight_kg": "8000",
    }
    answer = await api.client.post("/portal/book", data=form, headers=csrf)
    assert answer.status_code == 409, answer.text[:300]
    flash = re.search(r'class="flash error" role="alert">([^<]*)<', answer.text)
    assert flash is not None and flash.group(1) == "该时段已无空位：请选择其他时段。", flash
    assert "free place" not in answer.text
    assert 'value="Sầu riêng"' in answer.text and 'value="8000"' in answer.text


async def test_a_reschedule_into_an_hour_that_filled_is_refused_in_the_pages_language(
    api: Api,
):
    enterprise, csrf = await _portal(api)
    booked = (await enterprise.book(tomorrow_at(9))).json()
    full = tomorrow_at(10)
    await api.set_capacity(full, 1)
    other = await api.enterprise()
    assert (await other.book(full)).status_code == 201
    page = await api.client.get(f"/portal/bookings/{booked['id']}")
    assert page.status_code == 200
    # The full hour is shown as full and offers no choice.
    assert f'value="{full.isoformat()}"' not in page.text
    assert "Hết chỗ" in page.text
    form = {**_form(page.text), "slot_start": full.isoformat()}
    moved = await api.client.post(
        f"/portal/bookings/{booked['id']}/reschedule", data=form, headers=csrf
    )
    assert moved.status_code == 303, moved.text
    assert "Giờ này đã hết chỗ" in unquote(moved.headers["location"])
    still = await api.client.get(f"/api/v1/bookings/{booked['id']}", headers=enterprise.headers)
    assert datetime.fromisoformat(still.json()["slot_start"]) == tomorrow_at(9)

    # Back on the page (a new form: the refused one's key keeps its answer), another hour.
    page = await api.client.get(f"/portal/bookings/{booked['id']}")
    form = {**_form(page.text), "slot_start": tomorrow_at(11).isoformat()}
    done = await api.client.post(
        f"/portal/bookings/{booked['id']}/reschedule", data=form, headers=csrf
    )
    assert done.status_code == 303 and "Đã đổi sang" in unquote(done.headers["location"])
    shown = (await api.client.get(f"/portal/bookings/{booked['id']}")).text
    history = shown[shown.index('<ol id="history"') :].split("</ol>")[0]
    assert "Đổi từ" in history and "booking.rescheduled" not in history


def _babel_when(moment: datetime, language: str) -> str:
    """A day and its hour as CLDR writes them in ``language`` (Babel, not the page's helper):
    the day by its month's name, the hour 24-hour, in the language's order."""
    local = moment.astimezone(LOCAL_TZ)
    on = format_skeleton("MMMd", local, locale=language)
    at = format_time(local, "HH:mm", locale=language)
    return str(Locale.parse(language).datetime_formats["medium"]).format(at, on)


GATE_NAMES = {"vi": "Cửa khẩu Tân Thanh", "en": "Tan Thanh Border Gate", "zh": "新清口岸（浦寨）"}


async def test_the_list_names_the_gate_and_the_history_and_notes_write_hours_per_language(
    api: Api,
):
    enterprise, csrf = await _portal(api)
    booked = (await enterprise.book(tomorrow_at(9))).json()
    for language in ("vi", "en", "zh"):
        api.client.cookies.set("gate_lang", language)
        listed = await api.client.get("/portal/")
        assert listed.status_code == 200, listed.text[:300]
        table = listed.text[listed.text.index('<table id="bookings"') :].split("</table>")[0]
        cells = re.findall(r'<td data-label="[^"]*">([^<]*)</td>', table)
        assert GATE_NAMES[language] in cells and "tan-thanh" not in cells, cells
        exported = _rows(await api.client.get("/portal/bookings.csv"))
        assert exported[1][3] == GATE_NAMES[language]

        page = await api.client.get(f"/portal/bookings/{booked['id']}")
        history = page.text[page.text.index('<ol id="history"') :].split("</ol>")[0]
        assert _babel_when(tomorrow_at(9), language) in history, history
        # The slip names its one driver in the singular.
        driver = {"vi": "Lái xe", "en": "Driver", "zh": "司机"}[language]
        assert f'<dt>{driver}</dt><dd id="slip-driver">' in page.text

    # The note after a reschedule writes the new hour as the page's language does.
    for language, hour in (("en", 11), ("zh", 12)):
        api.client.cookies.set("gate_lang", language)
        page = await api.client.get(f"/portal/bookings/{booked['id']}")
        form = {**_form(page.text), "slot_start": tomorrow_at(hour).isoformat()}
        moved = await api.client.post(
            f"/portal/bookings/{booked['id']}/reschedule", data=form, headers=csrf
        )
        assert moved.status_code == 303, moved.text[:300]
        shown = (await api.client.get(moved.headers["location"])).text
        flash = re.search(r'class="flash[^"]*"[^>]*>([^<]*)<', shown)
        assert flash is not None and _babel_when(tomorrow_at(hour), language) in flash.group(1)

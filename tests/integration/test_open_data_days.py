"""The open data's days as history (issue 17, a new user's trial): a day after today is
refused, not answered as zeros; today is marked as so far in the API and on the transparency
page; the capacity's use has the pages' precision in the API, the transparency page and the
statistics page alike. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, timedelta

import pytest

from gate.statistics.public import midnight
from gate.store.tables import Slot
from gate.store.types import new_id
from gate.store.unit_of_work import UnitOfWork
from services.web.i18n import LANGUAGES, messages
from tests.helpers import Api, browser, officer
from tests.integration.test_statistics_capacity import _gate as open_round_the_clock
from tests.statistics_day import page_tables

DAYS = "/api/v1/statistics/gates/tan-thanh/days"
WAITS = "/api/v1/statistics/gates/tan-thanh/typical-waits"


async def _today(api: Api) -> date:
    """The server's today (the gates' local day): the default end of the days' window."""
    answer = await api.client.get(DAYS, params={"limit": 1})
    assert answer.status_code == 200, answer.text
    return date.fromisoformat(answer.json()["to"])


async def test_a_day_after_today_is_refused_not_answered_as_zeros(api: Api):
    today = await _today(api)
    tomorrow = today + timedelta(days=1)
    refused = [
        (DAYS, {"from": str(tomorrow)}, "from"),
        (DAYS, {"from": str(today + timedelta(days=27)), "to": str(today + timedelta(days=30))},
         "to"),
        (DAYS, {"from": str(today), "to": str(tomorrow)}, "to"),
        (WAITS, {"to": str(tomorrow)}, "to"),
    ]  # fmt: skip
    for url, query, field in refused:
        answer = await api.client.get(url, params=query)
        assert answer.status_code == 422, (query, answer.text)
        problem = answer.json()
        assert problem["type"] == "/problems/validation" and problem["field"] == field, query
        assert "after today" in problem["detail"]
    # Up to today is history (today included, so far).
    answer = await api.client.get(DAYS, params={"from": str(today - timedelta(days=2))})
    assert answer.status_code == 200
    days = answer.json()["days"]
    assert [d["day"] for d in days][-1] == str(today)
    assert [d["complete"] for d in days] == [True, True, False]
    document = (await api.client.get("/schema/openapi.json")).json()
    described = document["paths"]["/api/v1/statistics/gates/{code}/days"]["get"]["description"]
    assert "after today" in described and "complete" in described
    assert "complete" in document["components"]["schemas"]["DayView"]["required"]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_todays_row_on_the_transparency_page_is_so_far(api: Api, language: str):
    api.client.cookies.set("gate_lang", language)
    html = (await api.client.get("/transparency/tan-thanh")).text
    rows = re.findall(r"<tr data-day=\"([0-9-]+)\"( data-so-far)?>\s*<th>(.*?)</th>", html)
    assert len(rows) == 28
    assert [bool(so_far) for _, so_far, _ in rows] == [True] + [False] * 27  # latest first
    assert messages(language)["so_far"] in rows[0][2]
    assert all(messages(language)["so_far"] not in th for _, _, th in rows[1:])


async def test_the_use_of_places_has_the_pages_precision_everywhere(api: Api, uow: UnitOfWork):
    """12 of 360 places held yesterday: 3.3 % on the statistics page, and now 0.033 in the
    API (it said 0.03) and 3.3 % on the transparency page (it said 3 %), written as each
    language writes it."""
    yesterday = await _today(api) - timedelta(days=1)
    gate_id = await open_round_the_clock(uow)  # 15 places an hour on export, none on import
    at = midnight(yesterday).astimezone(UTC) + timedelta(hours=8)
    uow.session.add(
        Slot(id=new_id(), gate_id=gate_id, direction="export", starts_at=at, capacity=15, booked=12)
    )
    await uow.commit()

    answer = await api.client.get(DAYS, params={"from": str(yesterday), "to": str(yesterday)})
    (day,) = answer.json()["days"]
    assert (day["places_offered"], day["places_held"], day["use"]) == (360, 12, 0.033)
    assert day["complete"] is True

    # Written as the page's language writes numbers (Babel): 3.3 in en and zh, 3,3 in vi.
    for language, share in (("en", r"3\.3"), ("zh", r"3\.3"), ("vi", r"3,3")):
        api.client.cookies.set("gate_lang", language)
        html = (await api.client.get("/transparency/tan-thanh?direction=export")).text
        row = html.split(f'<tr data-day="{yesterday}">')[1].split("</tr>")[0]
        assert re.search(share + r"%\s*<small class=\"muted\">12/360</small>", row), row

    token = (await officer(api, "customs", ("tan-thanh",)))["Authorization"]
    await browser(api, token.removeprefix("Bearer "))
    api.client.cookies.set("gate_lang", "en")
    query = f"span=week&day={yesterday}&direction=export"  # by day
    page = await api.client.get(f"/statistics/tan-thanh?{query}")
    (capacity,) = [row for row in page_tables(page.text)["capacity"][1:] if row[2] != "0"]
    assert capacity == [str(yesterday), "360", "12", "3.3"]

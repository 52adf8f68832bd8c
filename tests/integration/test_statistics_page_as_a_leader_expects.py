"""The statistics page as a leader expects it (issue 17's page defects, found by a new user's
trial and a breaker), on SQLite and PostgreSQL: refusals are pages in the page's language,
every period of the window is listed (zeros as zeros) in the table, the chart and the
exports alike, the trucks chart draws every series of its table, the CSV names one charset
and every export states its scope, "exited" reads right per direction in each language, and
the agency filter offers only the agencies that decide."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime

import openpyxl
import pytest

from gate.config import Settings
from gate.domain.time import LOCAL_TZ
from services.web.i18n import messages
from tests.helpers import Api, browser, officer, open_all_day
from tests.statistics_day import DAY, page_tables, write_day

PAGE = "/statistics/tan-thanh"
HTML = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}  # what a browser sends


async def _sign_in_officer(api: Api, agency: str, gates: tuple[str, ...] = ("tan-thanh",)) -> None:
    token = (await officer(api, agency, gates))["Authorization"].removeprefix("Bearer ")
    await browser(api, token)


def _charts(text: str) -> dict[str, dict[str, object]]:
    """The charts' data the page hands its script, by chart."""
    found = re.search(r'<script type="application/json" id="stats-charts">(.*?)</script>', text)
    assert found is not None
    return {chart["id"]: chart for chart in json.loads(found.group(1))}


@pytest.mark.parametrize("client_accepts", [None, HTML])
async def test_a_refusal_is_a_page_in_the_pages_language_with_its_status(
    api: Api, client_accepts: dict[str, str] | None
):
    # An officer of another gate: not theirs to read (a plain client such as a link checker
    # and a browser alike get the page).
    await _sign_in_officer(api, "customs", ("huu-nghi",))
    for language in ("vi", "en", "zh"):
        t = messages(language)
        wrong = t["invalid_title"]
        api.client.cookies.set("gate_lang", language)
        cases = [
            (PAGE, 403, t["forbidden_title"], t["stats_forbidden_hint"]),
            (f"{PAGE}/xlsx", 403, t["forbidden_title"], t["stats_forbidden_hint"]),
            ("/statistics/nowhere", 404, t["not_found"], t["stats_not_found_hint"]),
            ("/statistics/huu-nghi?span=year", 422, wrong, t["stats_wrong_span"]),
            ("/statistics/huu-nghi?day=2026-13-01", 422, wrong, t["stats_wrong_day"]),
            ("/statistics/huu-nghi/csv/trucks?direction=sideways", 422, wrong,
             t["wrong_direction"]),
            ("/statistics/huu-nghi/csv/nope", 404, t["not_found"], t["stats_not_found_hint"]),
        ]  # fmt: skip
        for path, status, title, hint in cases:
            answer = await api.client.get(path, headers=client_accepts)
            assert answer.status_code == status, (language, path)
            assert answer.headers["content-type"].startswith("text/html"), (language, path)
            assert f'<html lang="{language}">' in answer.text
            assert f'<h1 id="problem-title">{title}</h1>' in answer.text, (language, path)
            assert hint in answer.text, (language, path)
            assert 'href="/statistics"' in answer.text
    # A client that asks for JSON only still gets the problem details.
    answer = await api.client.get(f"{PAGE}?span=year", headers={"accept": "application/json"})
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == "/problems/forbidden"


@pytest.mark.parametrize(("span", "labels"), [
    ("day", [f"{hour:02d}:00" for hour in range(24)]),
    ("week", [f"2026-10-{day}" for day in range(27, 32)] + ["2026-11-01", "2026-11-02"]),
])  # fmt: skip
async def test_every_period_of_the_window_is_listed_in_table_chart_and_exports(
    api: Api, settings: Settings, span: str, labels: list[str]
):
    await open_all_day(api)
    await write_day(settings, api)  # trucks from 08:00 to 10:59 of DAY only
    await _sign_in_officer(api, "customs")
    api.client.cookies.set("gate_lang", "en")
    query = f"span={span}&day={DAY.isoformat()}&direction=export"
    answer = await api.client.get(f"{PAGE}?{query}")
    assert answer.status_code == 200, answer.text
    shown, charts = page_tables(answer.text), _charts(answer.text)
    for name in ("trucks", "waits", "capacity", "forecast"):
        assert [row[0] for row in shown[name][1:]] == labels, name
        assert charts[name]["labels"] == labels, name
    quiet = shown["trucks"][1] if span == "day" else shown["trucks"][1:6]
    # A quiet period is zeros, not missing: 00:00 of the day, or the week's first five days.
    for row in [quiet] if span == "day" else quiet:
        assert row[1:] == ["0"] * 8, row
    assert [row[1] for row in shown["waits"][1:]].count("0") == len(labels) - (
        3 if span == "day" else 1
    )
    made = charts["trucks"]["series"][0]["data"]  # type: ignore[index]
    assert len(made) == len(labels) and 0 in made and max(made) > 0

    exported = await api.client.get(f"{PAGE}/csv/trucks?{query}")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    table = rows[rows.index([]) + 1 :]
    assert [row[0] for row in table[1:]] == labels
    book = openpyxl.load_workbook(
        io.BytesIO((await api.client.get(f"{PAGE}/xlsx?{query}")).content)
    )
    sheet = [list(row) for row in book.worksheets[0].values]
    blank = next(n for n, row in enumerate(sheet) if all(cell is None for cell in row))
    assert [row[0] for row in sheet[blank + 2 :]] == labels


async def test_the_trucks_chart_draws_every_series_of_its_table(api: Api, settings: Settings):
    await open_all_day(api)
    await write_day(settings, api)
    await _sign_in_officer(api, "border_guard")
    for language in ("vi", "en", "zh"):
        api.client.cookies.set("gate_lang", language)
        answer = await api.client.get(f"{PAGE}?day={DAY.isoformat()}")
        table = page_tables(answer.text)["trucks"]
        series = _charts(answer.text)["trucks"]["series"]
        assert [s["label"] for s in series] == table[0][1:], language  # type: ignore[index]
        assert messages(language)["cancelled"] in table[0]
        # Each series holds its column's numbers.
        for column, drawn in enumerate(series, start=1):  # type: ignore[arg-type]
            assert [str(v) for v in drawn["data"]] == [row[column] for row in table[1:]]


async def test_exports_name_one_charset_and_state_their_scope(api: Api, settings: Settings):
    await open_all_day(api)
    await write_day(settings, api)
    await _sign_in_officer(api, "quarantine")
    api.client.cookies.set("gate_lang", "en")
    query = f"span=week&day={DAY.isoformat()}&direction=import&agency=customs"
    before = datetime.now(LOCAL_TZ).replace(microsecond=0)
    exported = await api.client.get(f"{PAGE}/csv/waits?{query}")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    scope = dict(rows[: rows.index([])])
    book = openpyxl.load_workbook(
        io.BytesIO((await api.client.get(f"{PAGE}/xlsx?{query}")).content)
    )
    for sheet in book.worksheets:
        lines = [list(row) for row in sheet.values]
        blank = next(n for n, row in enumerate(lines) if all(cell is None for cell in row))
        in_sheet = {row[0]: row[1] for row in lines[:blank]}
        assert in_sheet.keys() == scope.keys(), sheet.title
        assert {k: v for k, v in in_sheet.items() if k != "Generated at"} == {
            k: v for k, v in scope.items() if k != "Generated at"
        }, sheet.title
    assert scope["Gate"] == "Tan Thanh Border Gate"  # the gate named in the export's language
    assert scope["Direction"] == "Import"
    assert scope["Priority class"] == "Every class"
    assert scope["Agency"] == "Customs"
    assert scope["Span"] == "7 days (by day)"
    assert scope["Days"] == "2026-10-27 – 2026-11-02"
    assert scope["Time zone"] == "Asia/Ho_Chi_Minh (UTC+07:00)"
    generated = datetime.fromisoformat(scope["Generated at"])
    assert generated.utcoffset() == LOCAL_TZ.utcoffset(generated.replace(tzinfo=None))
    assert before <= generated <= datetime.now(LOCAL_TZ)


@pytest.mark.parametrize("language", ["vi", "en", "zh"])
async def test_exited_reads_out_of_the_country_on_export_and_into_it_on_import(
    api: Api, settings: Settings, language: str
):
    await open_all_day(api)
    await write_day(settings, api)
    await _sign_in_officer(api, "gate_operator")
    api.client.cookies.set("gate_lang", language)
    t = messages(language)
    headers = {}
    for direction in ("export", "import", ""):
        answer = await api.client.get(f"{PAGE}?day={DAY.isoformat()}&direction={direction}")
        headers[direction] = page_tables(answer.text)["trucks"][0][3]
        exported = await api.client.get(f"{PAGE}/csv/trucks?day={DAY}&direction={direction}")
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert rows[rows.index([]) + 1][3] == headers[direction]
    assert headers == {
        "export": t["stats_exited_export"],
        "import": t["stats_exited_import"],
        "": t["stats_exited_both"],
    }
    # The import's word is not leaving the country (the old "exited": xuất cảnh, 出境).
    assert len(set(headers.values())) == 3
    assert t["exited"] not in headers.values()
    assert (
        "Vi" in messages("en")["stats_exited_import"]
        and "vào" in messages("vi")["stats_exited_import"]
    )


async def test_the_agency_filter_offers_only_the_agencies_that_decide(api: Api, settings: Settings):
    await _sign_in_officer(api, "gate_operator")
    answer = await api.client.get(PAGE)
    chooser = re.search(r'<select name="agency"[^>]*>(.*?)</select>', answer.text, re.S)
    assert chooser is not None
    offered = re.findall(r'<option value="([^"]*)"', chooser.group(1))
    assert offered == ["", "border_guard", "customs", "quarantine"]
    refused = await api.client.get(f"{PAGE}?agency=gate_operator", headers=HTML)
    assert refused.status_code == 422
    assert messages("vi")["stats_wrong_agency"] in refused.text

"""The statistics page (services/web/statistics.py) on SQLite and PostgreSQL: its tables hold
the reads' numbers (gate/statistics/reads.py, called here directly), its CSV and Excel
exports hold the page's numbers under the page's headers, the officers of a gate see it and
nobody else does. The planner's part: tests/integration/test_planner_page.py."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta

import openpyxl
import pytest
from babel.numbers import format_decimal

from gate.config import Settings
from gate.domain.statistics import Distribution, Measure, agency_measure
from gate.domain.time import LOCAL_TZ, as_utc
from gate.statistics.capacity import capacity_use
from gate.statistics.reads import (
    Grain,
    Scope,
    agency_times,
    counts,
    distributions,
    forecast_accuracy,
)
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, browser, enterprise_user, officer, open_all_day
from tests.statistics_day import DAY, page_tables, write_day

PAGE = "/statistics/tan-thanh"
# An export's scope: gate, direction, class, agency, span, days, time zone, generated at.
_SCOPE_ROWS = 8


def _shown(value: float | int | None) -> str:
    """A figure as the page writes it in Vietnamese, its default (by CLDR's rules, which
    Babel holds: 1.234 and 2,5): minutes to a tenth, a dash for none."""
    if value is None:
        return "–"
    if isinstance(value, int):
        return format_decimal(value, locale="vi")
    return format_decimal(round(value, 1) or 0.0, format="#,##0.0", locale="vi")


def _number(cell: str) -> str | float:
    """A cell of the English page as a number when it is one (VND written as money)."""
    try:
        return float(cell.replace(",", "").removeprefix("₫"))
    except ValueError:
        return cell


def _band(found: Distribution) -> str:
    """The median's band as the page writes it, from the bucket the median falls in."""
    band = found.band(0.5)
    assert band is not None and band.low is not None
    if band.high is None:
        return f"≥{band.low}"
    return f"<{band.high}" if band.low == 0 else f"{band.low}–{band.high}"


def _spread(found: Distribution) -> list[str]:
    return [
        _shown(found.count),
        _shown(found.percentile_minutes(0.5)),
        _shown(found.percentile_minutes(0.9)),
        _band(found),
    ]


def _label(period: datetime, grain: Grain) -> str:
    local = period.astimezone(LOCAL_TZ)
    return local.strftime("%H:00") if grain is Grain.HOUR else local.date().isoformat()


# A period the reads have nothing for, as the page lists it: no trucks, no time.
_QUIET = {
    "trucks": ["0"] * 8,
    "waits": ["0", "–", "–", "–"],
    "agencies": ["0", "–", "–", "–"],
    "capacity": ["0", "0", "–"],
    "forecast": ["0", "–", "–", "–"],
}


def _every_period(scope: Scope, grain: Grain, rows: list[list[str]], name: str) -> list[list[str]]:
    """``rows`` (labelled by period) with every period of ``scope`` listed, oldest first:
    each hour of the day, or each local day; a period the reads left out as zeros."""
    step = timedelta(hours=1) if grain is Grain.HOUR else timedelta(days=1)
    count = int((scope.until - scope.since) / step)
    labels = [_label(scope.since + step * n, grain) for n in range(count)]
    found = {row[0]: row for row in rows}
    return [found.get(label, [label, *_QUIET[name]]) for label in labels]


async def _expected(
    uow: UnitOfWork, scope: Scope, grain: Grain, agency: str | None
) -> dict[str, list[list[str]]]:
    """The five tables' rows straight from the reads, every period of the window listed;
    an agency's time per period when the page follows one agency, every agency's over the
    span otherwise."""
    found = await _read(uow, scope, grain, agency)
    return {
        name: rows
        if name == "agencies" and agency is None
        else _every_period(scope, grain, rows, name)
        for name, rows in found.items()
    }


async def _read(
    uow: UnitOfWork, scope: Scope, grain: Grain, agency: str | None
) -> dict[str, list[list[str]]]:
    """The five tables' rows as the reads answer them (the periods with something in them)."""
    session = uow.session
    label = lambda period: _label(period, grain)  # noqa: E731
    return {
        "trucks": [
            [
                label(c.period),
                *map(_shown, (c.made, c.checked_in, c.exited, c.lapsed, c.walk_ins, c.cancelled)),
                *map(_shown, (c.turned_back, c.expired)),
            ]
            for c in await counts(session, scope, grain)
        ],
        "waits": [
            [label(period), *_spread(found)]
            for period, found in await distributions(session, Measure.WAIT_FOR_CALL, scope, grain)
        ],
        "agencies": [
            [agency, *_spread(found)]
            for agency, found in (await agency_times(session, scope)).items()
        ]
        if agency is None
        else [
            [label(period), *_spread(found)]
            for period, found in await distributions(session, agency_measure(agency), scope, grain)
        ],
        "capacity": [
            [
                label(c.period),
                _shown(c.offered),
                _shown(c.held),
                _shown(c.use_percent),
            ]
            for c in await capacity_use(session, scope, grain)
        ],
        "forecast": [
            [label(period), _shown(found.count), _shown(found.mean_minutes), *_spread(found)[1:3]]
            for period, found in await forecast_accuracy(session, scope, grain)
        ],
    }


def _day_scope(gate_id: str, days: int, direction: str | None, query: str) -> Scope:
    """The window up to the local day named in ``query`` (its ``day=``) and ``days`` long."""
    last = date.fromisoformat(query.split("day=")[1][:10])
    end = as_utc(datetime.combine(last + timedelta(days=1), time(0), LOCAL_TZ))
    return Scope(end - timedelta(days=days), end, gate_id=gate_id, direction=direction)


async def _sign_in_officer(api: Api, agency: str, gates: tuple[str, ...] = ("tan-thanh",)) -> None:
    token = (await officer(api, agency, gates))["Authorization"].removeprefix("Bearer ")
    await browser(api, token)


@pytest.mark.parametrize(
    ("query", "days", "direction", "grain", "agency"),
    [
        ("span=day&day=2026-11-02", 1, None, Grain.HOUR, None),
        ("span=week&day=2026-11-02&direction=export", 7, "export", Grain.DAY, None),
        (
            "span=day&day=2026-11-02&direction=import&agency=customs",
            1,
            "import",
            Grain.HOUR,
            "customs",
        ),
        ("span=month&day=2026-11-20&agency=border_guard", 30, None, Grain.DAY, "border_guard"),
    ],
)
async def test_the_pages_tables_hold_the_reads_numbers(
    api: Api, settings: Settings, uow: UnitOfWork, query: str, days: int, direction: str | None,
    grain: Grain, agency: str | None,
):  # fmt: skip
    await open_all_day(api)
    gate_id = await write_day(settings, api)
    await _sign_in_officer(api, "quarantine")
    answer = await api.client.get(f"{PAGE}?{query}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    shown = page_tables(answer.text)
    expected = await _expected(uow, _day_scope(gate_id, days, direction, query), grain, agency)
    if agency is None:
        # Agencies are named in the page's language (Vietnamese by default) in its table.
        shown_agencies = [row[1:] for row in shown["agencies"][1:]]
        assert shown_agencies == [row[1:] for row in expected.pop("agencies")]
    assert expected["trucks"] and expected["waits"]
    for name, rows in expected.items():
        # Every period is listed, a quiet one as zeros (the import side's capacity too).
        assert shown[name][1:] == rows, name
    # Charts have their data beside the tables, in a JSON block the static script reads.
    assert '<script type="application/json" id="stats-charts">' in answer.text
    assert answer.text.count("<canvas data-chart=") == 6
    # The trucks chart draws the trucks turned back and let go uncalled, as its table does.
    block = answer.text.split('id="stats-charts">')[1].split("</script>")[0]
    trucks = next(c for c in json.loads(block) if c["id"] == "trucks")
    header = shown["trucks"][0]
    assert [s["label"] for s in trucks["series"]][-2:] == header[-2:]


async def test_the_csv_and_excel_exports_hold_the_pages_numbers_under_its_headers(
    api: Api, settings: Settings
):
    await open_all_day(api)
    await write_day(settings, api)
    await _sign_in_officer(api, "customs")
    api.client.cookies.set("gate_lang", "en")
    query = f"span=day&day={DAY.isoformat()}&direction=export"
    shown = page_tables((await api.client.get(f"{PAGE}?{query}")).text)
    assert list(shown) == ["trucks", "waits", "agencies", "capacity", "forecast", "fees"]
    # "Bookings" says what it counts: walk-ins and cancelled bookings are in it (issue 17).
    assert shown["trucks"][0][:2] == ["Period", "Bookings (all: walk-ins and cancelled included)"]
    assert shown["trucks"][0][-2:] == ["Turned back", "Let go uncalled"]
    for lang, words in (("vi", ("vãng lai", "đã hủy")), ("zh", ("临时到场", "已取消"))):
        api.client.cookies.set("gate_lang", lang)
        header = page_tables((await api.client.get(f"{PAGE}?{query}")).text)["trucks"][0][1]
        assert all(word in header for word in words), header
    api.client.cookies.set("gate_lang", "en")
    assert shown["agencies"][1][0] == "Border guard"

    workbook = await api.client.get(f"{PAGE}/xlsx?{query}")
    assert workbook.status_code == 200
    assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(workbook.content), read_only=True)
    assert book.sheetnames == ["Trucks", "Waits for the call", "Each agency's time",
                               "Capacity offered and used", "Forecast error",
                               "Infrastructure fees"]  # fmt: skip
    for name, sheet in zip(shown, book.worksheets, strict=True):
        # Numbers stay numbers in the workbook (9.0 reads back as 9): compared as numbers.
        # The sheet starts with its scope and an empty row (tests/.../as_a_leader_expects).
        values = list(sheet.values)[_SCOPE_ROWS + 1 :]
        rows = [["–" if cell is None else cell for cell in row] for row in values]
        assert rows == [[_number(cell) for cell in row] for row in shown[name]], name

        exported = await api.client.get(f"{PAGE}/csv/{name}?{query}")
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        text = exported.content.decode("utf-8-sig")
        rows = [[cell or "–" for cell in row] for row in csv.reader(io.StringIO(text))]
        # The page writes VND as money (₫1,500,000), the file as data (1500000).
        numbers = [[_number(cell) for cell in row] for row in shown[name]]
        assert [[_number(cell) for cell in row] for row in rows[_SCOPE_ROWS + 1 :]] == numbers
    assert (await api.client.get(f"{PAGE}/csv/nope?{query}")).status_code == 404
    # Every language's titles make sheet names Excel takes (Vietnamese's has a colon).
    for language in ("vi", "zh"):
        api.client.cookies.set("gate_lang", language)
        workbook = await api.client.get(f"{PAGE}/xlsx?{query}")
        assert workbook.status_code == 200, language
        assert len(openpyxl.load_workbook(io.BytesIO(workbook.content)).sheetnames) == 6


async def test_the_officers_of_the_gate_see_it_and_nobody_else(api: Api):
    assert (await api.client.get("/statistics")).headers["location"] == "/sign-in?next=/statistics"
    assert (await api.client.get(f"{PAGE}/xlsx")).status_code == 303
    # An enterprise's user signs in to this area as someone else.
    await browser(api, await enterprise_user(api, await api.enterprise()))
    assert (await api.client.get(PAGE)).headers["location"] == f"/sign-in?next={PAGE}"
    # An officer of another gate: refused here, their own gate listed.
    await _sign_in_officer(api, "customs", ("huu-nghi",))
    for path in (PAGE, f"{PAGE}/xlsx", f"{PAGE}/csv/trucks"):
        assert (await api.client.get(path)).status_code == 403, path
    assert (await api.client.get("/statistics")).headers["location"] == "/statistics/huu-nghi"
    # Every agency's officers of the gate, whatever their role.
    for agency in ("gate_operator", "border_guard", "customs", "quarantine"):
        await _sign_in_officer(api, agency)
        assert (await api.client.get(PAGE)).status_code == 200, agency
    await _sign_in_officer(api, "customs", ("tan-thanh", "huu-nghi"))
    home = await api.client.get("/statistics")
    assert home.status_code == 200
    assert (
        'href="/statistics/tan-thanh"' in home.text and 'href="/statistics/huu-nghi"' in home.text
    )
    wrongs = ("span=year", "agency=police", "day=2026-13-01", "day=9999-12-31",
              "direction=sideways",
              "direction=export&lane_at=25:00", "direction=export&extra_count=1&extra_class=x",
              "direction=export&capacity=inf", "direction=export&extra_count=-3")  # fmt: skip
    for wrong in wrongs:
        assert (await api.client.get(f"{PAGE}?{wrong}")).status_code == 422, wrong
    assert (await api.client.get("/statistics/nowhere")).status_code == 404

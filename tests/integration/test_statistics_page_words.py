"""Numbers and words as each language writes them, on SQLite and PostgreSQL (issue 17's
trial: the vi tables wrote 2.5 where the chart's axes wrote 4,5 and the planner ×0.5; the
zh planner's summary used half-width ":" ";" "."; the transparency page's footnote explained
a "Bookings" column its table does not have)."""

from __future__ import annotations

import html
import re

import pytest

from gate.config import Settings
from services.web.i18n import messages
from tests.helpers import Api, browser, officer
from tests.planner_day import DAY as PLANNED_DAY
from tests.planner_day import build_day
from tests.statistics_day import DAY, page_tables, write_day

PAGE = "/statistics/tan-thanh"
# A number with a fraction as each language writes it (CLDR: vi groups with "." and
# writes the fraction after ","; en and zh the other way round).
FRACTION = {
    "vi": re.compile(r"-?\d{1,3}(?:\.\d{3})*,\d+"),
    "en": re.compile(r"-?\d{1,3}(?:,\d{3})*\.\d+"),
    "zh": re.compile(r"-?\d{1,3}(?:,\d{3})*\.\d+"),
}


async def _sign_in(api: Api, language: str) -> None:
    token = (await officer(api, "gate_operator"))["Authorization"].removeprefix("Bearer ")
    await browser(api, token)
    api.client.cookies.set("gate_lang", language)


def _answer(text: str) -> str:
    found = re.search(r'<p id="planner-answer">(.*?)</p>', text, re.DOTALL)
    assert found is not None
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found[1])).split())


@pytest.mark.parametrize("language", ["vi", "en", "zh"])
async def test_the_tables_write_numbers_as_the_pages_language_does(
    api: Api, settings: Settings, language: str
):
    await write_day(settings, api)
    await _sign_in(api, language)
    answer = await api.client.get(f"{PAGE}?span=day&day={DAY.isoformat()}&direction=export")
    assert answer.status_code == 200
    # The charts' script hands the page's language to Chart.js for its axes and tooltips.
    assert f'<html lang="{language}">' in answer.text
    fractions = [
        cell
        for table in page_tables(answer.text).values()
        for row in table[1:]
        for cell in row[1:]
        if re.search(r"\d[.,]\d", cell) and not re.search(r"[<≥–]", cell)
    ]
    assert fractions, "the day has minutes with tenths"
    wrong = [cell for cell in fractions if not FRACTION[language].fullmatch(cell)]
    assert not wrong, wrong


@pytest.mark.parametrize(("language", "factor"), [("vi", "×0,5"), ("zh", "×0.5"), ("en", "×0.5")])
async def test_the_planners_summary_is_written_as_the_pages_language_writes(
    api: Api, settings: Settings, language: str, factor: str
):
    await build_day(settings)
    await _sign_in(api, language)
    query = f"day={PLANNED_DAY.isoformat()}&direction=export&capacity=0.5&extra_count=40"
    answer = await api.client.get(f"{PAGE}?{query}")
    assert answer.status_code == 200, answer.text
    said = _answer(answer.text)
    words = messages(language)
    assert factor in said and words["planner_kind_past"] in said, said
    figures = [cell for row in page_tables(answer.text)["planner-day"][1:] for cell in row[1:]]
    assert any(FRACTION[language].search(cell) for cell in figures), figures
    if language == "zh":
        assert "；" in said and "：" in said and said.endswith("。"), said
        # A number's point aside, no half-width punctuation in the Chinese summary.
        assert not re.search(r"[:;,.]", re.sub(r"\d+\.\d+", "", said)), said
    if language == "vi":
        assert not FRACTION["en"].search(said), said


@pytest.mark.parametrize("language", ["vi", "en", "zh"])
async def test_the_transparency_footnote_explains_only_the_tables_columns(api: Api, language: str):
    api.client.cookies.set("gate_lang", language)
    text = (await api.client.get("/transparency/tan-thanh")).text
    table = text.split('<table class="figures">')[1].split("</thead>")[0]
    note = html.unescape(text.split('id="counts-note">')[1].split("</p>")[0])
    words = messages(language)
    # Bookings are no column of the table: the note says they are in the open data only.
    assert words["stats_made"].split(" ")[0] not in html.unescape(table)
    not_here = {"vi": "không có trong bảng này", "en": "not in this table", "zh": "本表未列"}
    assert "bookings_made" in note and not_here[language] in note, note

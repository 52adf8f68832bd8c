"""The statistics page's planner (services/web/statistics_planner.py) on SQLite and PostgreSQL:
a past day shows what was measured beside its simulation as it was and with the change, and
the simulation's error; today is a forecast and says so; every word of the planner is the
page's language; the form's bounds are the ones the server holds it to; its questions are
bounded and a busy planner says so."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from gate.config import Settings
from gate.domain.time import as_local, utc_now
from gate.planning.compare import compare_with
from gate.planning.forecast import forecast
from gate.planning.measured import measure_day
from gate.planning.model import Forecast
from gate.planning.notes import ENGLISH
from gate.planning.rows import day_start
from gate.planning.scenarios import MAX_CAPACITY_FACTOR, MAX_EXTRA_TRUCKS, Scenario, apply
from gate.store.unit_of_work import UnitOfWork
from services.web import statistics_planner
from tests.helpers import Api, browser, officer, open_all_day
from tests.planner_day import DAY, build_day, build_uncalled
from tests.statistics_day import page_tables

PAGE = "/statistics/tan-thanh"
PAST = f"{PAGE}?day={DAY.isoformat()}&direction=export"
I18N = Path(__file__).resolve().parents[2] / "frontend" / "i18n"


def _words(language: str) -> dict[str, str]:
    return json.loads((I18N / f"{language}.json").read_text())


def _planner(text: str) -> str:
    """The planner's section of the page, as HTML."""
    start = text.index('<section class="card planner" id="planner">')
    return text[start : text.index("</section>", start)]


def _shown(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


async def _sign_in(api: Api) -> None:
    token = (await officer(api, "gate_operator"))["Authorization"].removeprefix("Bearer ")
    await browser(api, token)


def _day_row(label: str, day: Forecast) -> list[str]:
    wait = _shown(day.mean_wait)
    if day.wait_half_width is not None:
        wait += f" ± {day.wait_half_width:.1f}"
    censored = "–" if day.censored_wait is None else f"≥ {day.censored_wait:.1f}"
    return [label, f"{day.trucks:.1f}", wait, _shown(day.p90_wait),
            f"{day.still_waiting:.1f}", censored]  # fmt: skip


async def test_a_past_day_shows_what_was_measured_beside_its_simulation_and_the_error(
    api: Api, settings: Settings, uow: UnitOfWork
):
    await build_day(settings)
    await _sign_in(api)
    api.client.cookies.set("gate_lang", "en")
    answer = await api.client.get(f"{PAST}&lane_at=10:00&extra_count=40&extra_class=perishable")
    assert answer.status_code == 200, answer.text
    day = await measure_day(uow, "tan-thanh", "export", DAY)
    assert day.observed is not None
    scenario = Scenario.parse(["+1@10:00"], None, ["40:perishable"])
    base = forecast(day.plan, 20, 17)
    changed = forecast(apply(day.plan, scenario, day.usual), 20, 17)
    tables = page_tables(answer.text)
    # The day as measured (from the rows), as simulated, and with the change, side by side.
    assert tables["planner-day"][1:] == [
        _day_row("Measured", day.observed),
        _day_row("Simulated, as it was", base),
        _day_row("With the change", changed),
    ]
    # The measured wait is the trucks' own (seconds to minutes, not a simulation's).
    assert tables["planner-day"][1][2] == _shown(day.observed.mean_wait)
    hours = tables["planner"]
    assert hours[0] == [
        "Hour", "Queue, measured", "Wait (min), measured", "Queue, simulated, as it was",
        "Wait (min), simulated, as it was", "Queue, with the change",
        "Wait (min), with the change", "Simulated minus measured (min)",
    ]  # fmt: skip
    judged = compare_with(day.observed, base)
    nine = next(row for row in hours if row[0] == "09:00")
    assert nine == [
        "09:00",
        _shown(day.observed.hours[9].mean_queue), _shown(day.observed.hours[9].mean_wait),
        _shown(base.hours[9].mean_queue), _shown(base.hours[9].mean_wait),
        _shown(changed.hours[9].mean_queue), _shown(changed.hours[9].mean_wait),
        _shown(judged.hours[9].error),
    ]  # fmt: skip
    assert judged.mean_absolute_error is not None
    figure = re.search(r'id="planner-error-figure">([^<]*)<', answer.text)
    assert figure and f"{judged.mean_absolute_error:.1f} min" in figure[1]
    assert 'data-chart="planner"' in answer.text


async def test_today_is_a_forecast_from_the_queue_now_beside_what_was_measured_so_far(
    api: Api, settings: Settings
):
    await open_all_day(api)
    await _sign_in(api)
    api.client.cookies.set("gate_lang", "en")
    # Two trucks checked in 20 and 40 minutes ago, not yet called.
    now = utc_now()
    today = as_local(now).date()
    minute = (now - day_start(today)).total_seconds() / 60
    await build_uncalled(settings, today, [minute - 40, minute - 20])
    answer = await api.client.get(f"{PAGE}?day={today.isoformat()}&direction=export&capacity=0.5")
    assert answer.status_code == 200, answer.text
    words = _words("en")
    assert words["planner_kind_today"] in html.unescape(answer.text)
    rows = page_tables(answer.text)["planner-day"][1:]
    assert [row[0] for row in rows] == ["Measured so far", "Forecast", "With the change"]
    assert 'id="planner-error-figure"' not in answer.text
    # So far: both still waiting (those of them that arrived today, after midnight).
    arrived_today = sum(1 for ago in (40, 20) if minute - ago >= 0)
    assert rows[0][1] == f"{arrived_today:.1f}" and rows[0][4] == f"{arrived_today:.1f}"
    # The forecast starts from them: two trucks, each waiting at least what it has.
    assert rows[1][1] == "2.0"
    for figure in (rows[1][2].split(" ±")[0], rows[1][5].removeprefix("≥ ")):
        assert figure == "–" or float(figure) >= 20
    notes = html.unescape(_planner(answer.text))
    assert words["planner_note_queue_now"].split("{")[0] in notes


@pytest.mark.parametrize("language", ["vi", "zh"])
async def test_every_word_of_the_planner_is_the_pages_language(
    api: Api, settings: Settings, language: str
):
    await build_day(settings)
    await _sign_in(api)
    api.client.cookies.set("gate_lang", language)
    words, english = _words(language), _words("en")
    refusals = {
        "lane_at=25:00": words["planner_refused_lane_at"],
        "capacity=lots": words["planner_refused_capacity"].format(
            low=0, high=f"{MAX_CAPACITY_FACTOR:g}"
        ),
        f"extra_count={MAX_EXTRA_TRUCKS + 1}": words["planner_refused_extra_count"].format(
            low=0, high=MAX_EXTRA_TRUCKS
        ),
        "extra_count=5&extra_class=durian": words["planner_refused_extra_class"],
        "lane_at=14:00:00&extra_count=x": words["planner_refused_extra_count"].format(
            low=0, high=MAX_EXTRA_TRUCKS
        ),
        "lane_at=10:00&lane_change=sideways": words["planner_refused_lane_change"],
        # No lane works at 05:00 that day: none to close.
        "lane_at=05:00&lane_change=fewer": words["planner_refused_lane_fewer"].format(
            open=0, count=1, time="05:00"
        ),
    }
    for asked, said in refusals.items():
        refused = await api.client.get(f"{PAST}&{asked}")
        assert refused.status_code == 422, asked
        error = re.search(r'id="planner-error">([^<]*)<', refused.text)
        assert error and html.unescape(error[1]) == said, asked
        assert "+1@" not in refused.text and "300:perishable" not in refused.text
    no_direction = await api.client.get(f"{PAGE}?day={DAY.isoformat()}&lane_at=10:00")
    assert no_direction.status_code == 422
    assert html.unescape(_planner(no_direction.text)).count(words["planner_refused_direction"])

    answer = await api.client.get(f"{PAST}&lane_at=10:00&capacity=0.5&extra_count=40")
    assert answer.status_code == 200, answer.text
    section = html.unescape(_planner(answer.text))
    # The scenario, the labels and the notes in the page's language...
    assert words["planner_scenario_lane"].format(time="10:00") in section
    assert words["planner_note_extra_exact"].format(count=40, hour=0, minute=0) in section
    fewer = await api.client.get(f"{PAST}&lane_at=10:00&lane_change=fewer")
    assert fewer.status_code == 200, fewer.text
    fewer_section = html.unescape(_planner(fewer.text))
    assert words["planner_scenario_lane_fewer"].format(time="10:00") in fewer_section
    assert '<option value="fewer" selected>' in fewer.text  # the form keeps the choice
    assert words["planner_scenario_extra"].format(count=40, kind=words["regular"]) in section
    assert words["planner_kind_past"] in section and words["planner_measured"] in section
    assert words["planner_note_closing"] in section
    for hint in ("planner_hint_lane_at", "planner_hint_capacity", "planner_hint_extra_count"):
        assert words[hint].split("{")[0] in section, hint
    # ...and not one of the English catalogue's planner words, nor the command line's notes.
    for key, text in english.items():
        if key.startswith("planner_"):
            for piece in re.split(r"\{[a-z]+\}", text):
                if len(piece.strip()) > 3:
                    assert piece.strip() not in section, key
    for sentence in ENGLISH.values():
        assert sentence.split("{")[0] not in section


async def test_the_forms_bounds_are_the_ones_the_server_holds_it_to(api: Api, settings: Settings):
    await build_day(settings)
    await _sign_in(api)
    page = await api.client.get(PAST)
    form = _planner(page.text)
    extra = re.search(r'<input type="number" name="extra_count" min="([^"]*)" max="([^"]*)"', form)
    capacity = re.search(r'<input type="number" name="capacity" min="([^"]*)" max="([^"]*)"', form)
    assert extra and (int(extra[1]), int(extra[2])) == (0, MAX_EXTRA_TRUCKS)
    assert capacity and (float(capacity[1]), float(capacity[2])) == (0, MAX_CAPACITY_FACTOR)
    # The server takes the bounds themselves and refuses just past them.
    assert (await api.client.get(f"{PAST}&capacity={MAX_CAPACITY_FACTOR:g}")).status_code == 200
    assert (await api.client.get(f"{PAST}&capacity={MAX_CAPACITY_FACTOR + 0.1}")).status_code == 422
    assert (await api.client.get(f"{PAST}&extra_count={MAX_EXTRA_TRUCKS + 1}")).status_code == 422
    assert (await api.client.get(f"{PAST}&capacity=0,5")).status_code == 200


async def test_the_planner_bounds_its_questions_and_says_when_it_is_busy(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    await build_day(settings)
    await _sign_in(api)
    api.client.cookies.set("gate_lang", "en")
    # A day's worth of trucks many times over is refused, naming the form's own field.
    huge = await api.client.get(f"{PAST}&extra_count=99999")
    assert huge.status_code == 422
    assert 'id="planner-error"' in huge.text and str(MAX_EXTRA_TRUCKS) in huge.text
    # The process's one simulation slot taken: the question is told to come back (429),
    # not queued behind it holding a connection.
    monkeypatch.setattr(statistics_planner, "WAIT_FOR_SLOT_S", 0.05)
    platform = api.client._transport.app.state.platform
    await platform.planner.acquire()
    try:
        busy = await api.client.get(f"{PAST}&extra_count=10")
    finally:
        platform.planner.release()
    assert busy.status_code == 429
    assert html.unescape(busy.text).count(_words("en")["planner_refused_busy"])
    again = await api.client.get(f"{PAST}&extra_count=10")
    assert again.status_code == 200, again.text


def test_the_planner_catalogue_has_every_key_in_every_language():
    needed = {f"planner_note_{key}" for key in ENGLISH}
    for language in ("vi", "zh", "en"):
        assert needed <= set(_words(language)), language
    keys = [set(k for k in _words(lang) if k.startswith("planner_")) for lang in ("vi", "zh")]
    assert keys[0] == keys[1] == {k for k in _words("en") if k.startswith("planner_")}

"""Today in the capacity planner, on SQLite and PostgreSQL (tests/planner_day.py): the
forecast starts now from the yard as the rows hold it (the trucks waiting with the time they
have waited, the lane finishing a truck, the hour's calls), beside what was measured so far;
extra trucks come from now on, exactly as many as asked; and ``gate simulate`` takes a lane
change with a minus as the README writes it, refuses one below zero lanes, and keeps the
day's rule and its JSON's ISO date."""

from __future__ import annotations

import json
from datetime import timedelta
from statistics import fmean

import pytest

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import LOCAL_TZ, as_local, utc_now
from gate.planning.forecast import forecast
from gate.planning.measured import DayKind, MeasuredDay, measure_day
from gate.planning.rows import day_start
from gate.planning.scenarios import Scenario, apply, extra_notes
from gate.store.database import create_engine, create_session_factory
from gate.store.unit_of_work import UnitOfWork
from tests.planner_day import (
    DAY,
    TODAY_NOW,
    WAITING,
    build_day,
    build_today,
    build_uncalled,
    gate_command,
)


async def _today(settings: Settings) -> MeasuredDay:
    engine = create_engine(settings)
    try:
        factory = create_session_factory(engine, read_only=True)
        async with UnitOfWork(factory, InMemoryEventBus()) as uow:
            now = day_start(DAY) + timedelta(minutes=TODAY_NOW)
            return await measure_day(uow, "tan-thanh", "export", DAY, now)
    finally:
        await engine.dispose()


async def test_today_starts_from_the_yard_as_it_is_beside_what_was_measured_so_far(
    settings: Settings,
):
    await build_today(settings, DAY)
    day = await _today(settings)
    plan = day.plan
    assert day.kind is DayKind.TODAY and day.observed is None
    # The forecast starts at 09:08 with the five trucks waiting, from when each came...
    assert plan.start == TODAY_NOW and [truck.minute for truck in plan.waiting] == WAITING
    assert plan.arrivals == ()  # ...not the morning replayed into an empty yard
    # X1 has been at its truck since 09:00; the truck called at 09:00 counts in its hour.
    assert plan.busy == {"X1": pytest.approx(8)} and plan.crossed == {9: 1}
    # The four still booked for 10:00 come; the one booked for 08:00 never came: left out.
    assert sum(sum(counts) for counts in plan.arrivals_per_hour.values()) == 4
    notes = {note.key: dict(note.values) for note in day.notes}
    assert notes["queue_now"] == {"waiting": 5, "earlier": 0, "busy": 1, "hour": 9, "minute": 8}
    assert notes["measured_so_far"] == {"count": 12, "hour": 9, "minute": 8}
    # Measured so far: the twelve arrived, six served at once, one called at 09:00 after
    # 30 minutes, five still waiting at 09:08 with their waits so far.
    so_far = day.so_far
    assert so_far is not None and so_far.trucks == 12 and so_far.still_waiting == 5
    assert so_far.mean_wait == pytest.approx((6 * 2 + 30) / 7)
    assert so_far.censored_wait == pytest.approx(fmean(TODAY_NOW - m for m in WAITING))
    # The forecast: each waiting truck waits at least what it already has, and nothing is
    # simulated before now (the old forecast replayed the morning: waits near 0).
    planned = forecast(plan)
    assert all(hour.calls == 0 for hour in planned.hours[:9])
    eight, nine = planned.hours[8], planned.hours[9]
    assert eight.arrivals == 4 and eight.mean_wait is not None
    assert eight.mean_wait >= fmean(TODAY_NOW - m for m in WAITING[:4])
    assert nine.mean_wait is not None and nine.mean_wait >= 0
    assert planned.mean_wait is not None and planned.mean_wait > 5


async def test_todays_extra_trucks_come_from_now_on_exactly_as_many_as_asked(settings: Settings):
    await build_today(settings, DAY)
    day = await _today(settings)
    scenario = Scenario.parse(extra=["50:perishable"])
    changed = apply(day.plan, scenario, day.usual)
    (drawn,) = changed.drawn
    assert drawn.count == 50 and all(share == 0 for share in drawn.shares[:9])
    notes = extra_notes(day.plan, scenario, day.usual, 14)
    assert dict(notes[-1].values) == {"count": 50, "hour": 9, "minute": 8}
    base, more = forecast(day.plan), forecast(changed)
    assert more.trucks - base.trucks == pytest.approx(50)
    assert all(hour.arrivals == 0 for hour in more.hours[:8])


async def test_gate_simulate_takes_one_fewer_lane_as_the_readme_writes_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    await build_day(settings)
    where = ("simulate", "--gate", "tan-thanh", "--direction", "export", "--day", "2026-11-20")
    # As the README writes it, and with the option's '=' (argparse's own way).
    for written in (("--lanes", "-1@10:00"), ("--lanes=-1@10:00",)):
        code, table, error = gate_command(settings, monkeypatch, *where, *written)
        assert code == 0, error
        assert table.splitlines()[0].endswith(", lanes -1@10:00")
    # Below zero lanes: two worked at 09:00, five cannot close.
    code, _, error = gate_command(settings, monkeypatch, *where, "--lanes", "-5@09:00")
    assert code == 2
    assert "at 09:00 2 lane(s) are open: 5 cannot be closed" in error
    # One rule for the day with the page and the open data: 2000-01-01 to 2100-12-31.
    for day in ("1900-01-01", "1999-12-31", "2101-01-01", "20-11-2026"):
        code, _, error = gate_command(settings, monkeypatch, *where[:-1], day)
        assert code == 2, day
        assert "day is a date" in error, day
    code, text, _ = gate_command(settings, monkeypatch, *where, "--compare", "--json")
    answer = json.loads(text)
    assert answer["day"] == "2026-11-20" and answer["label"] == "tan-thanh export 2026-11-20"


async def test_gate_simulate_today_shows_the_queue_now_and_what_was_measured_so_far(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    # Three trucks checked in 10, 20 and 30 minutes ago and not yet called.
    now = utc_now()
    today = as_local(now).date()
    minute = (now - day_start(today)).total_seconds() / 60
    await build_uncalled(settings, today, [minute - ago for ago in (30, 20, 10)])
    where = ("simulate", "--gate", "tan-thanh", "--direction", "export", "--json")
    code, text, error = gate_command(settings, monkeypatch, *where)
    assert code == 0, error
    answer = json.loads(text)
    assert answer["kind"] == "today" and answer["day"] == as_local(now).date().isoformat()
    hour, minute = map(int, answer["from"].split(":"))
    started = as_local(now).replace(hour=hour, minute=minute, second=0, microsecond=0)
    assert timedelta(0) <= started.astimezone(LOCAL_TZ) - as_local(now).replace(
        second=0, microsecond=0
    ) <= timedelta(minutes=1)  # fmt: skip
    assert "so_far" in answer and "forecast" in answer
    # The three waiting trucks are in the forecast, each waiting at least what it has.
    ahead = answer["forecast"]
    assert ahead["trucks"] == 3
    for figure in (ahead["mean_wait"], ahead["censored_wait"]):
        assert figure is None or figure >= 10
    assert any(note.startswith("the forecast starts at ") and "3 trucks" in note
               for note in answer["notes"])  # fmt: skip
    code, table, _ = gate_command(settings, monkeypatch, *where[:-1])
    assert code == 0 and "under way: measured so far, and a forecast from " in table
    assert any(line.startswith("so far: ") and "still waiting at " in line
               for line in table.splitlines())  # fmt: skip

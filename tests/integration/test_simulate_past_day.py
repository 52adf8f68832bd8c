"""The capacity planner on a day built in the database (SQLite and PostgreSQL,
tests/planner_day.py): a past day is read from the bookings' own rows, shown as measured,
replayed by the simulation and compared with what happened hour by hour; its places are the
ones its slots recorded, not today's schedule; today and days to come are forecasts; and
``gate simulate`` prints the table."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from statistics import fmean

import pytest

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.errors import ValidationFailed
from gate.domain.queue import QueueClass
from gate.domain.slots import Direction
from gate.domain.time import utc_now
from gate.gates.changes import set_schedule
from gate.planning.compare import compare
from gate.planning.measured import DayKind, MeasuredDay, measure_day
from gate.planning.rows import day_start
from gate.store.database import create_engine, create_session_factory
from gate.store.unit_of_work import UnitOfWork
from tests.planner_day import DAY, SERVICE, build_day, build_uncalled, gate_command, happened


async def _measure(settings: Settings, day: date = DAY, now: datetime | None = None) -> MeasuredDay:
    engine = create_engine(settings)
    try:
        factory = create_session_factory(engine, read_only=True)
        async with UnitOfWork(factory, InMemoryEventBus()) as uow:
            return await measure_day(uow, "tan-thanh", "export", day, now)
    finally:
        await engine.dispose()


async def test_a_past_day_replayed_is_compared_with_what_happened(settings: Settings):
    waits = await build_day(settings)
    day = await _measure(settings)
    assert len(day.plan.arrivals) == 60
    assert [lane.code for lane in day.plan.lanes] == ["X1", "X2"]
    # From the hour of the first call (08:00) to the end of the hour of the last exit (12:58).
    assert day.plan.lanes[0].open == ((480, 780),)
    assert sorted(set(day.plan.service_of("X1").samples)) == list(SERVICE)
    compared = compare(day)
    for hour in range(24):
        measured = compared.hours[hour].measured
        if hour in waits:
            assert measured == pytest.approx(waits[hour])
            assert compared.hours[hour].error is not None
        else:
            assert measured is None
    assert compared.mean_absolute_error is not None
    # Resampled service times around the same mean: the replay is near what happened.
    assert compared.mean_absolute_error < 5
    assert compared.simulated.still_waiting == 0


async def test_a_past_day_is_shown_as_measured_from_its_rows(settings: Settings):
    await build_day(settings)
    # Two more trucks, at 23:00 and 23:30, never called: still waiting at closing.
    await build_uncalled(settings, DAY, [1380.0, 1410.0])
    day = await _measure(settings)
    assert day.kind is DayKind.PAST and day.observed is not None
    trucks = happened()
    assert day.observed.trucks == 62 and day.observed.replications == 1
    assert day.observed.mean_wait == pytest.approx(fmean(c - a for a, c, _, _ in trucks))
    assert day.observed.still_waiting == 2 and day.observed.censored_wait == pytest.approx(45)
    # The queue as it was: in hour 9, each truck's minutes waiting within the hour.
    in_nine = sum(max(0.0, min(c, 600) - max(a, 540)) for a, c, _, _ in trucks) / 60
    assert day.observed.hours[9].mean_queue == pytest.approx(in_nine)
    assert day.observed.hours[9].calls == sum(1 for _, c, _, _ in trucks if 540 <= c < 600)
    # The class's usual arrivals: the day's own (it is over), 15 an hour from 08:00.
    assert day.usual[QueueClass.REGULAR][8] == 15
    assert day.usual[QueueClass.PERISHABLE][23] == 2


async def test_today_and_days_to_come_are_forecasts_with_nothing_to_compare(settings: Settings):
    await build_day(settings)
    ahead = await _measure(settings, now=day_start(DAY - timedelta(days=1)) + timedelta(hours=12))
    assert ahead.kind is DayKind.FUTURE and ahead.observed is None
    assert ahead.plan.arrivals == ()
    assert any(note.key == "arrivals_booked" for note in ahead.notes)
    with pytest.raises(ValidationFailed):
        compare(ahead)
    # Seen from that very day, its own arrivals are not yet a pattern of past days.
    today = await _measure(settings, now=day_start(DAY) + timedelta(hours=23))
    assert today.kind is DayKind.TODAY and today.usual == {} and today.observed is None
    # Every truck arrived so far is what was measured so far, not replayed: the forecast
    # starts at 23:00 from the yard as it is (here empty: every truck has exited).
    assert today.plan.arrivals == () and today.plan.waiting == () and today.plan.start == 1380
    assert today.so_far is not None and today.so_far.trucks == 60
    assert any(n.key == "measured_so_far" and dict(n.values)["count"] == 60 for n in today.notes)
    # Today's lanes are the ones set open, over the direction's opening hours.
    assert any(note.key == "lanes_configured" for note in today.notes)


async def test_a_past_day_takes_the_places_its_slots_recorded_not_todays_schedule(
    settings: Settings,
):
    await build_day(settings)
    second = DAY + timedelta(days=1)
    await build_uncalled(settings, second, [545.0, 550.0, 560.0])
    # Since then the ordinary day changed: 5 places an hour, open 10:00 to 12:00 only.
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            await set_schedule(
                uow, "tan-thanh", Direction.EXPORT, 5, 10, 12, utc_now(), timedelta(days=30)
            )
            await uow.commit()
    finally:
        await engine.dispose()
    day = await _measure(settings)
    # 08:00 to 11:00 had slots recording 15 places: those held, not today's 0 or 5.
    assert [day.plan.crossings_in(hour) for hour in (8, 9, 10, 11)] == [15, 15, 15, 15]
    # An hour without a slot falls back on the calendar as it is now (the documented limit).
    assert day.plan.crossings_in(13) == 0
    assert any(n.key == "places_recorded" and dict(n.values) == {"recorded": 4, "other": 20}
               for n in day.notes)  # fmt: skip
    # A past day when no lane called anybody: the lanes set open now, over the hours that
    # day offered places (its slot at 09:00, and 10:00 to 12:00 from the calendar now).
    quiet = await _measure(settings, day=second)
    assert quiet.plan.lanes and all(lane.open == ((540, 720),) for lane in quiet.plan.lanes)
    assert any(note.key == "lanes_unrecorded" for note in quiet.notes)


async def test_gate_simulate_prints_the_table_of_a_scenario_and_of_a_comparison(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    await build_day(settings)
    where = ("simulate", "--gate", "tan-thanh", "--direction", "export", "--day", "2026-11-20")
    code, table, _ = gate_command(settings, monkeypatch, *where, "--lanes", "+1@10:00")
    assert code == 0, table
    lines = table.splitlines()
    assert lines[0] == (
        "tan-thanh export 2026-11-20 (over: measured, and simulated as it was), lanes +1@10:00"
    )
    assert "the 60 trucks that arrived that day, replayed" in table
    header = next(line for line in lines if line.startswith("hour"))
    assert header.split() == [
        "hour", "measured", "q", "wait", "simulated", "q", "wait", "changed", "q", "wait", "error"
    ]  # fmt: skip
    assert any(line.startswith("08:00") for line in lines)
    # The measured day as measured (no interval: it is not a simulation), then the two runs.
    assert lines[-4].startswith("measured: 60.0 trucks, mean wait ") and "±" not in lines[-4]
    assert lines[-3].startswith("simulated: ") and "20 replications, seed 17" in lines[-3]
    assert lines[-2].startswith("changed: ")
    assert lines[-1].startswith("mean absolute error of the simulation ")

    code, table, _ = gate_command(settings, monkeypatch, *where, "--compare")
    assert code == 0, table
    assert "the simulation against what happened" in table
    assert "mean absolute error" in table.splitlines()[-1]

    code, text, _ = gate_command(settings, monkeypatch, *where, "--capacity", "0.5", "--json")
    assert code == 0, text
    answer = json.loads(text)
    # The day as an ISO date, the gate and direction apart, the label for people.
    assert (answer["day"], answer["gate"], answer["direction"]) == (
        "2026-11-20", "tan-thanh", "export"
    )  # fmt: skip
    assert answer["label"] == "tan-thanh export 2026-11-20" and answer["from"] is None
    assert date.fromisoformat(answer["day"]) == DAY
    assert answer["scenario"] == "capacity x0.5" and answer["kind"] == "past"
    assert answer["measured"]["trucks"] == 60 and answer["measured"]["seed"] is None
    assert len(answer["simulated"]["hours"]) == len(answer["changed"]["hours"]) == 24
    assert answer["mean_absolute_error"] is not None

    code, _, error = gate_command(settings, monkeypatch, *where, "--lanes", "one more")
    assert code == 2 and "write a lane change as +1@14:00" in error
    code, _, error = gate_command(
        settings, monkeypatch, "simulate", "--gate", "nowhere", "--direction", "export"
    )
    assert code == 2 and "no gate 'nowhere'" in error


async def test_gate_simulate_refuses_a_day_out_of_range_in_words(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    # Issue 17's hostile test: the first and last days Python knows overflowed the history
    # window's instants and printed a traceback (OverflowError), not a refusal.
    for day in ("0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"):
        argv = ("simulate", "--gate", "tan-thanh", "--direction", "export", "--day", day)
        code, _, error = gate_command(settings, monkeypatch, *argv)
        assert code == 2, (day, error)
        assert "day is a date from 2000-01-01 to 2100-12-31" in error, (day, error)
        assert "Traceback" not in error
    code, _, error = gate_command(
        settings, monkeypatch, "simulate", "--gate", "tan-thanh", "--direction", "export",
        "--day", "2000-01-01",
    )  # fmt: skip
    assert code == 0, error

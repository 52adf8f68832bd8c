"""The capacity planner on a day built in the database (SQLite and PostgreSQL): the day is read
from the bookings' own rows, replayed by the simulation and compared with what happened hour
by hour, and ``gate simulate`` prints the table.

The day: 60 trucks arrive at Tân Thanh's export yard every 4 minutes from 08:00 (15 an hour),
two lanes call them first come first served and hold each 8, 10 or 12 minutes in turn (12 an
hour together), so the queue grows until noon and drains after."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.cli import main
from gate.config import Settings
from gate.domain.time import LOCAL_TZ, as_utc
from gate.planning.compare import compare
from gate.planning.measured import DayKind, measure_day
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Booking, Gate, Lane, Slot
from gate.store.unit_of_work import UnitOfWork
from tests.services import outside_loop

DAY = date(2026, 11, 20)
SERVICE = (8.0, 10.0, 12.0)


def _happened() -> list[tuple[float, float, float, str]]:
    """Each truck's (arrival, call, exit) in minutes into the day and its lane, FIFO on two."""
    free = {"X1": 0.0, "X2": 0.0}
    trucks = []
    for number in range(60):
        arrival = 480 + 4 * number
        lane = min(free, key=lambda code: (free[code], code))
        called = max(arrival, free[lane])
        free[lane] = called + SERVICE[number % 3]
        trucks.append((arrival, called, free[lane], lane))
    return trucks


async def _build_day(settings: Settings) -> dict[int, float]:
    """Write the day's rows; the mean wait of each hour's arrivals as it happened."""
    engine = create_engine(settings)
    start = as_utc(datetime(2026, 11, 20, tzinfo=LOCAL_TZ))
    waits: dict[int, list[float]] = {}
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            gate = await uow.session.scalar(select(Gate).where(Gate.code == "tan-thanh"))
            assert gate is not None
            found = await uow.session.execute(
                select(Lane.code, Lane.id).where(Lane.gate_id == gate.id)
            )
            lanes: dict[str, str] = {code: lane_id for code, lane_id in found.all()}
            slots: dict[int, Slot] = {}
            for number, (arrival, called, exited, lane) in enumerate(_happened()):
                hour = int(arrival // 60)
                if hour not in slots:
                    slots[hour] = Slot(
                        gate_id=gate.id,
                        direction="export",
                        starts_at=start + timedelta(hours=hour),
                        capacity=15,
                        booked=0,
                    )
                    uow.session.add(slots[hour])
                    await uow.session.flush()
                uow.session.add(
                    Booking(
                        code=f"SIM{number:05d}",
                        gate_id=gate.id,
                        direction="export",
                        slot_id=slots[hour].id,
                        slot_start=slots[hour].starts_at,
                        plate=f"12C{number:05d}",
                        status="exited",
                        queue_class="regular",
                        arrived_at=start + timedelta(minutes=arrival),
                        called_at=start + timedelta(minutes=called),
                        exited_at=start + timedelta(minutes=exited),
                        lane_id=lanes[lane],
                    )
                )
                waits.setdefault(hour, []).append(called - arrival)
            await uow.commit()
    finally:
        await engine.dispose()
    return {hour: sum(each) / len(each) for hour, each in waits.items()}


async def test_a_past_day_replayed_is_compared_with_what_happened(settings: Settings):
    happened = await _build_day(settings)
    engine = create_engine(settings)
    try:
        factory = create_session_factory(engine, read_only=True)
        async with UnitOfWork(factory, InMemoryEventBus()) as uow:
            day = await measure_day(uow, "tan-thanh", "export", DAY)
    finally:
        await engine.dispose()
    assert len(day.plan.arrivals) == 60
    assert [lane.code for lane in day.plan.lanes] == ["X1", "X2"]
    # From the hour of the first call (08:00) to the end of the hour of the last exit (12:58).
    assert day.plan.lanes[0].open == ((480, 780),)
    assert sorted(set(day.plan.service_of("X1").samples)) == list(SERVICE)
    assert day.plan.crossings_in(9) == 15 and day.plan.crossings_in(23) == 0  # open 06 to 22
    assert day.kind is DayKind.PAST
    assert day.observed is not None and day.observed.trucks == 60
    compared = compare(day)
    for hour in range(24):
        measured = compared.hours[hour].measured
        if hour in happened:
            assert measured == pytest.approx(happened[hour])
            assert compared.hours[hour].error is not None
        else:
            assert measured is None
    assert compared.mean_absolute_error is not None
    # Resampled service times around the same mean: the replay is near what happened.
    assert compared.mean_absolute_error < 5
    assert compared.simulated.still_waiting == 0


def _gate(settings: Settings, monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, str, str]:
    monkeypatch.setenv("GATE_DATABASE_URL", settings.database_url)
    output, errors = io.StringIO(), io.StringIO()

    def run() -> int:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(errors):
            return main(list(argv))

    code = outside_loop(run)
    return code, output.getvalue(), errors.getvalue()


async def test_gate_simulate_prints_the_table_of_a_scenario_and_of_a_comparison(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    await _build_day(settings)
    where = ("simulate", "--gate", "tan-thanh", "--direction", "export", "--day", "2026-11-20")
    code, table, _ = _gate(settings, monkeypatch, *where, "--lanes", "+1@10:00")
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

    code, table, _ = _gate(settings, monkeypatch, *where, "--compare")
    assert code == 0, table
    assert "the simulation against what happened" in table
    assert "mean absolute error" in table.splitlines()[-1]

    code, text, _ = _gate(settings, monkeypatch, *where, "--capacity", "0.5", "--json")
    assert code == 0, text
    answer = json.loads(text)
    assert answer["scenario"] == "capacity x0.5" and answer["kind"] == "past"
    assert answer["measured"]["trucks"] == 60 and answer["measured"]["seed"] is None
    assert len(answer["simulated"]["hours"]) == len(answer["changed"]["hours"]) == 24
    assert answer["mean_absolute_error"] is not None

    code, _, error = _gate(settings, monkeypatch, *where, "--lanes", "one more")
    assert code == 2 and "write a lane change as +1@14:00" in error
    code, _, error = _gate(
        settings, monkeypatch, "simulate", "--gate", "nowhere", "--direction", "export"
    )
    assert code == 2 and "no gate 'nowhere'" in error

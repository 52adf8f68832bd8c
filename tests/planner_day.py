"""A past day built in the database for the planner's tests: 60 trucks arrive at Tân Thanh's
export yard every 4 minutes from 08:00 (15 an hour) on 2026-11-20, two lanes call them first
come first served and hold each 8, 10 or 12 minutes in turn (12 an hour together), so the
queue grows until noon and drains after. Their slots record 15 places an hour."""

from __future__ import annotations

import contextlib
import io
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.cli import main
from gate.config import Settings
from gate.domain.time import LOCAL_TZ, as_utc
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Booking, Gate, Lane, Slot
from gate.store.unit_of_work import UnitOfWork
from tests.services import outside_loop

DAY = date(2026, 11, 20)
SERVICE = (8.0, 10.0, 12.0)


def happened() -> list[tuple[float, float, float, str]]:
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


async def build_day(settings: Settings) -> dict[int, float]:
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
            for number, (arrival, called, exited, lane) in enumerate(happened()):
                hour = int(arrival // 60)
                if hour not in slots:
                    slots[hour] = await _slot(uow, gate.id, start + timedelta(hours=hour))
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


async def _slot(uow: UnitOfWork, gate_id: str, starts_at: datetime) -> Slot:
    """An export slot of the hour starting ``starts_at`` recording 15 places, flushed."""
    slot = Slot(gate_id=gate_id, direction="export", starts_at=starts_at, capacity=15, booked=0)
    uow.session.add(slot)
    await uow.session.flush()
    return slot


async def build_uncalled(settings: Settings, day: date, arrivals: list[float]) -> None:
    """Write trucks that arrived on ``day`` at ``arrivals`` (minutes) and were never called,
    each in a slot of its hour recording 15 places."""
    engine = create_engine(settings)
    start = as_utc(datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ))
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            gate = await uow.session.scalar(select(Gate).where(Gate.code == "tan-thanh"))
            assert gate is not None
            slots: dict[int, Slot] = {}
            for number, arrival in enumerate(arrivals):
                hour = int(arrival // 60)
                if hour not in slots:
                    slots[hour] = await _slot(uow, gate.id, start + timedelta(hours=hour))
                uow.session.add(
                    Booking(
                        code=f"WAIT{day.day:02d}{number:04d}",
                        gate_id=gate.id,
                        direction="export",
                        slot_id=slots[hour].id,
                        slot_start=slots[hour].starts_at,
                        plate=f"12C{day.day:02d}{number:03d}",
                        status="arrived",
                        queue_class="perishable",
                        arrived_at=start + timedelta(minutes=arrival),
                    )
                )
            await uow.commit()
    finally:
        await engine.dispose()


# Today as the yard holds it at 09:08 (TODAY_NOW minutes into the day): six trucks arrived
# from 08:00 and served; one called at 09:00 to X1 and still at it; five checked in from
# 08:40 to 09:00 and not called; four booked for 10:00 and one for 08:00 that never came.
TODAY_NOW = 9 * 60 + 8
WAITING = [520.0, 525.0, 530.0, 535.0, 540.0]


async def build_today(settings: Settings, day: date) -> None:
    """Write the rows of ``day`` as they stand at 09:08 (see TODAY_NOW)."""
    engine = create_engine(settings)
    start = as_utc(datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ))
    at = lambda minute: start + timedelta(minutes=minute)  # noqa: E731
    # (arrival, call, exit, lane, status, slot hour) in minutes; None: not (yet).
    rows: list[tuple[float | None, float | None, float | None, str | None, str, int]] = [
        (480.0 + 5 * n, 482.0 + 5 * n, 490.0 + 5 * n, f"X{1 + n % 2}", "exited", 8)
        for n in range(6)
    ]
    rows.append((510.0, 540.0, None, "X1", "called", 8))
    rows += [(minute, None, None, None, "arrived", int(minute // 60)) for minute in WAITING]
    rows += [(None, None, None, None, "booked", 10)] * 4 + [(None, None, None, None, "booked", 8)]
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            gate = await uow.session.scalar(select(Gate).where(Gate.code == "tan-thanh"))
            assert gate is not None
            found = await uow.session.execute(
                select(Lane.code, Lane.id).where(Lane.gate_id == gate.id)
            )
            lanes: dict[str, str] = {code: lane_id for code, lane_id in found.all()}
            slots: dict[int, Slot] = {}
            for number, (arrived, called, exited, lane, status, hour) in enumerate(rows):
                if hour not in slots:
                    slots[hour] = Slot(
                        gate_id=gate.id,
                        direction="export",
                        starts_at=at(hour * 60),
                        capacity=15,
                        booked=0,
                    )
                    uow.session.add(slots[hour])
                    await uow.session.flush()
                uow.session.add(
                    Booking(
                        code=f"NOW{number:05d}",
                        gate_id=gate.id,
                        direction="export",
                        slot_id=slots[hour].id,
                        slot_start=slots[hour].starts_at,
                        plate=f"12C9{number:04d}",
                        status=status,
                        queue_class="regular",
                        arrived_at=None if arrived is None else at(arrived),
                        called_at=None if called is None else at(called),
                        exited_at=None if exited is None else at(exited),
                        lane_id=None if lane is None else lanes[lane],
                    )
                )
            await uow.commit()
    finally:
        await engine.dispose()


def gate_command(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, *argv: str
) -> tuple[int, str, str]:
    """Run ``gate *argv`` on ``settings``' database: its exit status, output and errors."""
    monkeypatch.setenv("GATE_DATABASE_URL", settings.database_url)
    output, errors = io.StringIO(), io.StringIO()

    def run() -> int:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(errors):
            return main(list(argv))

    code = outside_loop(run)
    return code, output.getvalue(), errors.getvalue()

"""A past day built in the database for the planner's tests: 60 trucks arrive at Tân Thanh's
export yard every 4 minutes from 08:00 (15 an hour) on 2026-11-20, two lanes call them first
come first served and hold each 8, 10 or 12 minutes in turn (12 an hour together), so the
queue grows until noon and drains after. Their slots record 15 places an hour."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import LOCAL_TZ, as_utc
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Booking, Gate, Lane, Slot
from gate.store.unit_of_work import UnitOfWork

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

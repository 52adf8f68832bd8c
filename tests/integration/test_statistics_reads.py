"""The reads group by the gates' local day and by local weekday and hour in SQL (so a year
comes back as days, not hours): their answers must equal the same grouping done here, in
Python, from the rows as written, across local midnight (17:00 UTC) and over a window that
does not start or end on a local day. On SQLite (a fixed UTC+7 shift) and PostgreSQL (the
zone by name). The window holds seven whole local days, read from the daily rows, and
ragged ends read from the hours."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from gate.config import Settings
from gate.domain.slots import Direction, DirectionSchedule, capacity_of_slot
from gate.domain.statistics import COUNTS, Contributions, Key, Measure, merged
from gate.domain.time import LOCAL_TZ
from gate.statistics.capacity import Capacity, capacity_use
from gate.statistics.reads import (
    Counts,
    Grain,
    Scope,
    agency_times,
    counts,
    distributions,
    typical_waits,
)
from gate.statistics.rows import add_to_rollups
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Gate, GateDirection, Slot
from gate.store.tables.base import table_of

BASE = datetime(2026, 11, 1, 0, tzinfo=UTC)  # Sunday, 07:00 in Lạng Sơn
# Every fifth hour for nine days: 5 and 24 share no factor, so every hour of the day is met,
# 17:00 UTC (local midnight) among them, and every weekday.
HOURS = [BASE + timedelta(hours=k) for k in range(0, 24 * 9, 5)]
WINDOW = (BASE + timedelta(hours=3), BASE + timedelta(days=8, hours=2))


def local_day(hour: datetime) -> datetime:
    return hour.astimezone(LOCAL_TZ).replace(hour=0)


def rows(gate_ids: list[str]) -> tuple[list[dict[str, Any]], ...]:
    hours, times, slots = [], [], []
    for k, hour in enumerate(HOURS):
        for g, gate_id in enumerate(gate_ids):
            for queue_class in ("regular", "perishable"):
                key = {"gate_id": gate_id, "direction": "export", "hour": hour}
                values = {c: (k + g + i) % 4 for i, c in enumerate(COUNTS)}
                hours.append(key | {"queue_class": queue_class} | values)
                for measure in (Measure.WAIT_FOR_CALL, "agency:customs", "agency:quarantine"):
                    for bucket in {k % 5, (k + g) % 3}:
                        n = 1 + (k + bucket) % 3
                        times.append(
                            key | {"queue_class": queue_class, "measure": measure}
                            | {"bucket": bucket, "count": n, "seconds": n * (60 * k + 7)}
                        )  # fmt: skip
            slots.append(
                {"gate_id": gate_id, "direction": "export", "starts_at": hours[-1]["hour"]}
                | {"capacity": 10 + g, "booked": k % 11}
            )
    return hours, times, slots


def as_contributions(hours: list[dict[str, Any]], times: list[dict[str, Any]]) -> Contributions:
    """The rows as the job adds them (``add_to_rollups`` writes the daily rows beside)."""
    delta = Contributions()

    def key(row: dict[str, Any]) -> Key:
        return Key(row["gate_id"], row["direction"], row["hour"], row["queue_class"])

    for row in hours:
        for column in COUNTS:
            if row[column]:
                delta.count(key(row), column, row[column])
    for row in times:
        delta.times[key(row), row["measure"], row["bucket"]] = (row["count"], row["seconds"])
    return delta


def inside(row: dict[str, Any], gate_id: str | None, column: str = "hour") -> bool:
    chosen = gate_id is None or row["gate_id"] == gate_id
    return chosen and WINDOW[0] <= row[column] < WINDOW[1]


async def test_the_reads_group_by_local_day_and_hour_as_python_does(settings: Settings):
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            gate_ids = list(await session.scalars(select(Gate.id).order_by(Gate.code).limit(2)))
            hours, times, slots = rows(gate_ids)
            await add_to_rollups(session, as_contributions(hours, times))
            await session.execute(
                insert(table_of(Slot)), [s | {"id": str(i)} for i, s in enumerate(slots)]
            )
            await session.commit()
            calendars = {
                (d.gate_id, d.direction): DirectionSchedule(
                    d.hourly_capacity, d.opens_at, d.closes_at
                )
                for d in await session.scalars(select(GateDirection))
            }
        for gate_id in (gate_ids[0], None):
            scope = Scope(*WINDOW, gate_id=gate_id)
            async with create_session_factory(engine)() as session:
                for grain, period in ((Grain.DAY, local_day), (Grain.HOUR, lambda h: h)):
                    summed: dict[datetime, list[int]] = defaultdict(lambda: [0] * len(COUNTS))
                    for row in filter(lambda r: inside(r, gate_id), hours):
                        for i, column in enumerate(COUNTS):
                            summed[period(row["hour"])][i] += row[column]
                    assert await counts(session, scope, grain) == [
                        Counts(p, *summed[p]) for p in sorted(summed)
                    ]
                    waits: dict[datetime, list[tuple[int, int, int]]] = defaultdict(list)
                    for row in filter(lambda r: inside(r, gate_id), times):
                        if row["measure"] == Measure.WAIT_FOR_CALL:
                            waits[period(row["hour"])].append(
                                (row["bucket"], row["count"], row["seconds"])
                            )
                    assert await distributions(session, Measure.WAIT_FOR_CALL, scope, grain) == [
                        (p, merged(Measure.WAIT_FOR_CALL, waits[p])) for p in sorted(waits)
                    ]
                    # Offered: every hour of the window, the calendar's capacity as booking
                    # computes it, booked or not; held: the slot rows' bookings.
                    places: dict[datetime, list[int]] = defaultdict(lambda: [0, 0])
                    booked = {(r["gate_id"], r["direction"], r["starts_at"]): r for r in slots}
                    hour = WINDOW[0]
                    while hour < WINDOW[1]:
                        for (gate, way), schedule in calendars.items():
                            if gate_id not in (None, gate):
                                continue
                            offered = capacity_of_slot(hour, Direction(way), schedule, None, [])
                            places[period(hour)][0] += offered.capacity
                            if (row := booked.get((gate, way, hour))) is not None:
                                places[period(hour)][1] += row["booked"]
                        hour += timedelta(hours=1)
                    assert await capacity_use(session, scope, grain) == [
                        Capacity(p, *places[p]) for p in sorted(places) if places[p] != [0, 0]
                    ]
                typical: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
                agencies: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
                for row in filter(lambda r: inside(r, gate_id), times):
                    value = (row["bucket"], row["count"], row["seconds"])
                    local = row["hour"].astimezone(LOCAL_TZ)
                    if row["measure"] == Measure.WAIT_FOR_CALL:
                        typical[local.weekday(), local.hour].append(value)
                    else:
                        agencies[row["measure"].removeprefix("agency:")].append(value)
                expected = {s: merged(Measure.WAIT_FOR_CALL, typical[s]) for s in sorted(typical)}
                assert len(expected) > 24  # several weekdays, hours on both sides of midnight
                assert await typical_waits(session, scope) == expected
                assert await agency_times(session, scope) == {
                    a: merged(f"agency:{a}", agencies[a]) for a in sorted(agencies)
                }
    finally:
        await engine.dispose()

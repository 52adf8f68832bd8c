"""The rollups per local day and per local month's weekday-hours (issue 17, its benchmark)
are the hourly rows summed by the gates' local day, and by local month, weekday and hour of
day; and every read answers the same whichever it takes its rows from, on random histories
and random windows (whole local days and not), on both databases.

Histories are random bookings' facts folded as the job folds them (``add_to_rollups`` of a
booking's contributions, and of a changed booking's new ones less its last), over 45 days
that cross two local month ends. Each window is read twice: as the reads choose
(``gate/statistics/tiers.py``: daily rows for three or more whole local days, the month's
weekday-hours for whole local months) and with the hourly rows alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.statistics import AgencyTime, BookingFacts, Contributions, Measure, contributions
from gate.domain.time import LOCAL_TZ
from gate.statistics import reads
from gate.statistics.reads import Grain, Scope
from gate.statistics.rows import add_to_rollups
from gate.statistics.tiers import DAYS, HOURS, WEEKDAY_HOURS, by_period, by_weekday_hour
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import (
    StatisticsHour,
    StatisticsTime,
    statistics_day_times,
    statistics_days,
    statistics_weekday_hours,
)
from gate.store.tables.base import table_of
from gate.store.unit_of_work import UnitOfWork

BASE = datetime(2026, 10, 20, 17, tzinfo=UTC)  # local midnight starting 21 October
SPAN_HOURS = 24 * 45  # to 5 December: November whole, two month ends crossed
GATES = ("gate-a", "gate-b")
COUNTS = ("made", "cancelled", "lapsed", "walk_ins", "checked_in", "called", "exited")


def _facts(
    gate: int,
    direction: str,
    slot: int,
    status: str,
    perishable: bool,
    queue_class: str | None,
    times: tuple[int, int, int, int] | None,
    forecast: int | None,
    decisions: tuple[tuple[str, int], ...],
) -> BookingFacts:
    start = BASE + timedelta(minutes=slot)
    if times is None:
        return BookingFacts(GATES[gate], direction, start, status, perishable, None, False)
    arrive, wait, lane, out = (timedelta(seconds=s) for s in times)
    arrived = start + arrive
    called = arrived + wait
    inspected = called + lane
    return BookingFacts(
        GATES[gate],
        direction,
        start,
        status,
        perishable,
        queue_class or "regular",
        walk_in=arrive.total_seconds() > 0,
        arrived_at=arrived,
        called_at=called,
        inspection_started_at=inspected,
        exited_at=inspected + out if status == "exited" else None,
        predicted_call_at=None if forecast is None else arrived + timedelta(minutes=forecast),
        decisions=tuple(
            AgencyTime(agency, inspected + timedelta(seconds=s)) for agency, s in decisions
        ),
    )


facts = st.builds(
    _facts,
    gate=st.integers(0, 1),
    direction=st.sampled_from(["export", "import"]),
    slot=st.integers(0, SPAN_HOURS * 60),
    status=st.sampled_from(["booked", "cancelled", "no_show", "exited", "called"]),
    perishable=st.booleans(),
    queue_class=st.none() | st.sampled_from(["perishable", "aeo", "regular"]),
    times=st.none()
    | st.tuples(
        st.integers(-1800, 3600),
        st.integers(0, 20 * 3600),
        st.integers(0, 3600),
        st.integers(0, 30 * 3600),
    ),
    forecast=st.none() | st.integers(-200, 200),
    decisions=st.lists(
        st.tuples(st.sampled_from(["border_guard", "customs"]), st.integers(0, 26 * 3600)),
        max_size=2,
    ).map(tuple),
)
day_windows = st.tuples(st.integers(0, 44), st.integers(1, 45)).map(
    lambda w: (BASE + timedelta(days=w[0]), BASE + timedelta(days=min(45, w[0] + w[1])))
)
hour_windows = st.tuples(st.integers(0, SPAN_HOURS), st.integers(1, SPAN_HOURS)).map(
    lambda w: (BASE + timedelta(hours=w[0]), BASE + timedelta(hours=w[0] + w[1]))
)
WHOLE = [
    (BASE, BASE + timedelta(days=45)),  # both months' ends, November whole
    (BASE + timedelta(days=11), BASE + timedelta(days=41)),  # November exactly
]


@contextmanager
def hours_only() -> Iterator[None]:
    """The reads with every row taken from the hourly rollups."""

    def hourly(since: datetime, until: datetime, **_: Any) -> list[Any]:
        return [(HOURS, [(since, until)])]

    with patch.object(reads, "by_period", hourly), patch.object(reads, "by_weekday_hour", hourly):
        yield


async def answers(session: Any, scope: Scope) -> dict[str, Any]:
    """Every read over ``scope`` that a window of days may take from other rows."""
    return {
        "counts": await reads.counts(session, scope, Grain.DAY),
        "waits": await reads.distributions(session, Measure.WAIT_FOR_CALL, scope, Grain.DAY),
        "to_exit": await reads.distributions(session, Measure.CALL_TO_EXIT, scope, Grain.DAY),
        "forecast": await reads.forecast_accuracy(session, scope, Grain.DAY),
        "typical": await reads.typical_waits(session, scope),
        "agencies": await reads.agency_times(session, scope),
        "agencies_per_day": await reads.agency_distributions(session, scope, Grain.DAY),
    }


def _local(hour: datetime) -> datetime:
    return hour.astimezone(LOCAL_TZ)


async def tiers_from_hours(session: Any) -> tuple[dict[Any, Any], ...]:
    """The daily and weekday-hour rows as they must be: the hourly ones summed by hand,
    rows of nothing left out (a fold may leave a row at zero)."""
    days: dict[Any, int] = defaultdict(int)
    for row in await session.execute(select(table_of(StatisticsHour))):
        day = _local(row.hour).replace(hour=0)
        for column in COUNTS:
            days[row.gate_id, row.direction, day, row.queue_class, column] += getattr(row, column)
    day_times: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    week: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for row in await session.execute(select(table_of(StatisticsTime))):
        local = _local(row.hour)
        key = (row.gate_id, row.direction, row.queue_class, row.measure)
        no_class = (row.gate_id, row.direction, row.measure)
        for into, slot in (
            (day_times, (*key, local.replace(hour=0), row.bucket)),
            (
                week,
                (*no_class, local.replace(day=1, hour=0), local.weekday(), local.hour, row.bucket),
            ),
        ):
            into[slot][0] += row.count
            into[slot][1] += row.seconds
    return (
        {k: v for k, v in days.items() if v},
        {k: tuple(v) for k, v in day_times.items() if v != [0, 0]},
        {k: tuple(v) for k, v in week.items() if v != [0, 0]},
    )


async def tiers_held(session: Any) -> tuple[dict[Any, Any], ...]:
    days = {}
    for row in await session.execute(select(statistics_days)):
        for column in COUNTS:
            if value := getattr(row, column):
                days[row.gate_id, row.direction, _local(row.day), row.queue_class, column] = value
    day_times = {
        (r.gate_id, r.direction, r.queue_class, r.measure, _local(r.day), r.bucket): (
            r.count,
            r.seconds,
        )
        for r in await session.execute(select(statistics_day_times))
        if r.count or r.seconds
    }
    week = {
        (r.gate_id, r.direction, r.measure, _local(r.month), r.weekday, r.local_hour,
         r.bucket): (r.count, r.seconds)
        for r in await session.execute(select(statistics_weekday_hours))
        if r.count or r.seconds
    }  # fmt: skip
    return days, day_times, week


def test_long_windows_of_whole_days_and_months_read_the_longer_rows():
    """The reads above do take the other rows (else the comparison proves nothing)."""
    november = WHOLE[1]
    assert [tier for tier, _ in by_period(*november, hours=False)] == [DAYS]
    assert [tier for tier, _ in by_weekday_hour(*november)] == [WEEKDAY_HOURS]
    assert [tier for tier, _ in by_period(*WHOLE[0], hours=False)] == [DAYS]
    assert [tier for tier, _ in by_weekday_hour(*WHOLE[0])] == [WEEKDAY_HOURS, HOURS]
    # The month's rows are not per class: a read of one class takes the hours.
    assert [tier for tier, _ in by_weekday_hour(*november, by_class=True)] == [HOURS]
    ragged = (BASE + timedelta(hours=5), BASE + timedelta(days=9, hours=3))
    assert [tier for tier, _ in by_period(*ragged, hours=False)] == [DAYS, HOURS]
    assert [tier for tier, _ in by_period(*ragged, hours=True)] == [HOURS]
    assert [tier for tier, _ in by_period(BASE, BASE + timedelta(days=2), hours=False)] == [HOURS]


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    bookings=st.lists(facts, min_size=1, max_size=25),
    changes=st.lists(st.tuples(st.integers(0, 24), facts), max_size=8),
    folds=st.integers(1, 4),
    windows=st.lists(day_windows | hour_windows, min_size=1, max_size=3),
)
async def test_every_tier_reads_as_the_hours_alone(
    settings: Settings,
    bookings: list[BookingFacts],
    changes: list[tuple[int, BookingFacts]],
    folds: int,
    windows: list[tuple[datetime, datetime]],
):
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    try:
        async with UnitOfWork(factory, InMemoryEventBus()) as uow:
            for table in (
                table_of(StatisticsHour),
                table_of(StatisticsTime),
                statistics_days,
                statistics_day_times,
                statistics_weekday_hours,
            ):
                await uow.session.execute(delete(table))
            await uow.commit()
        # Each booking's contributions added, in ``folds`` transactions; then the changes,
        # each a booking's new contributions less its last, as the job folds them.
        held = list(bookings)
        steps: list[Contributions] = [contributions(booking) for booking in bookings]
        for index, new in changes:
            index %= len(held)
            delta = contributions(new)
            delta.add(contributions(held[index]), -1)
            held[index] = new
            steps.append(delta)
        for part in range(folds):
            async with UnitOfWork(factory, InMemoryEventBus()) as uow:
                for delta in steps[part::folds]:
                    await add_to_rollups(uow.session, delta)
                await uow.commit()
        async with UnitOfWork(factory, InMemoryEventBus()) as uow:
            session = uow.session
            assert await tiers_held(session) == await tiers_from_hours(session)
            for since, until in [*windows, *WHOLE]:
                for gate_id, direction, queue_class in (
                    (None, None, None),
                    (GATES[0], None, None),
                    (GATES[1], "export", "regular"),
                ):
                    scope = Scope(since, until, gate_id, direction, queue_class)
                    chosen = await answers(session, scope)
                    with hours_only():
                        assert chosen == await answers(session, scope), (since, until, scope)
    finally:
        await engine.dispose()


async def test_a_rebuild_leaves_the_rollups_vacuumed_and_analysed(settings: Settings):
    """``gate statistics rebuild`` ends with VACUUM (ANALYZE) of every rollup on PostgreSQL
    (the rebuild's flushes leave dead rows; docs/benchmarks.md); SQLite has neither."""
    from gate.cli.database import statistics as command

    assert await command(settings, "rebuild") == "statistics rebuilt from 0 bookings"
    if not settings.database_url.startswith("postgresql"):
        return
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            seen = await connection.execute(
                text(
                    "SELECT relname, last_vacuum IS NOT NULL, last_analyze IS NOT NULL"
                    " FROM pg_stat_user_tables WHERE relname LIKE 'statistics%'"
                    " AND relname NOT IN ('statistics_bookings', 'statistics_marks')"
                )
            )
            assert sorted(seen) == [
                (name, True, True)
                for name in sorted(
                    [
                        "statistics_day_times",
                        "statistics_days",
                        "statistics_fee_days",
                        "statistics_hours",
                        "statistics_times",
                        "statistics_weekday_hours",
                    ]
                )
            ]
    finally:
        await engine.dispose()

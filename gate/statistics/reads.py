"""What the statistics page, the public page and the history API read: all from the rollups,
never from the bookings (capacity offered and held: ``capacity.py``).

Every function takes a half-open window ``[since, until)`` of aware instants (read as UTC
hours: an hour counts when its start is inside) and optional filters (a gate's id, a
direction, a class; None: all). Days are the gates' days, Asia/Ho_Chi_Minh (UTC+7, no summer
time), so a period is its local midnight as an aware time in that zone; an hour is its UTC
start. Each answer is one aggregate statement per tier of rollups grouped in SQL by the
period itself (a local day, or a local weekday and hour for the typical waits). The tiers
(``tiers.py``): three or more whole local days are read from the daily rows, the typical
week's whole local months from the month's weekday-hours, the rest of a window from the
hourly rows, whose local day and hour the database computes (``zone_sql.py``); the answer
is the same whichever (docs/benchmarks.md, "Statistics over a year", says what it saves).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.fee_statistics import FEE_COUNTS
from gate.domain.statistics import (
    AGENCY_PREFIX,
    COUNTS,
    Distribution,
    Measure,
    merged,
)
from gate.domain.time import LOCAL_TZ, as_utc
from gate.statistics.tiers import Ranges, Tier, by_period, by_weekday_hour, within
from gate.statistics.zone_sql import local_day, local_weekday_and_hour
from gate.store.tables import statistics_fee_days


class Grain(StrEnum):
    """How the hours of a window are grouped."""

    HOUR = "hour"
    DAY = "day"  # the gates' local day


@dataclass(frozen=True, slots=True)
class Scope:
    """Which rollups: a window ``[since, until)`` and filters (None: all)."""

    since: datetime
    until: datetime
    gate_id: str | None = None
    direction: str | None = None
    queue_class: str | None = None


@dataclass(frozen=True, slots=True)
class Counts:
    """The counts of one period (``gate/domain/statistics.py`` says which hour each is in)."""

    period: datetime
    made: int
    cancelled: int
    lapsed: int
    walk_ins: int
    checked_in: int
    called: int
    exited: int
    turned_back: int
    expired: int


# Remembered: a read's rows name a few hundred periods tens of thousands of times (a year's
# bucket rows), and converting each to the local zone again was a quarter of the days route's
# Python time over HTTP (py-spy, docs/benchmarks.md "Statistics over a year"). A pure function
# of its arguments, so a remembered answer is never stale.
@lru_cache(maxsize=4096)
def period_of(hour: datetime, grain: Grain) -> datetime:
    """The start of the period ``hour`` falls in: itself (UTC), or its local midnight."""
    hour = as_utc(hour)
    if grain is Grain.HOUR:
        return hour
    return hour.astimezone(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)


def _period(session: AsyncSession, hour: Any, grain: Grain) -> Any:
    """The period of a UTC hour column as an SQL expression: the hour itself, or the start
    of its local day (as an instant, read back as an aware UTC datetime)."""
    return hour if grain is Grain.HOUR else local_day(session, hour)


def period_sql(session: AsyncSession, hour: Any, grain: Grain) -> Any:
    """The period of a UTC hour column of any table, as this module groups it (for
    ``capacity.py``'s slot rows)."""
    return _period(session, hour, grain)


def _where(
    table: Any, column: Any, ranges: Ranges, scope: Scope, *, with_class: bool = True
) -> list[ColumnElement[bool]]:
    conditions = [within(column, ranges)]
    if scope.gate_id is not None:
        conditions.append(table.c.gate_id == scope.gate_id)
    if scope.direction is not None:
        conditions.append(table.c.direction == scope.direction)
    if with_class and scope.queue_class is not None:
        conditions.append(table.c.queue_class == scope.queue_class)
    return conditions


def _period_of_tier(session: AsyncSession, tier: Tier, table: Any, grain: Grain) -> Any:
    """The period of a tier's rows: a daily row's day is its period already."""
    column = tier.column(table)
    return _period(session, column, grain) if tier.hourly else column


async def counts(session: AsyncSession, scope: Scope, grain: Grain) -> list[Counts]:
    """The counts per period, oldest first; periods with no row are left out."""
    per: dict[datetime, list[int]] = defaultdict(lambda: [0] * len(COUNTS))
    for tier, ranges in by_period(scope.since, scope.until, hours=grain is Grain.HOUR):
        table = tier.counts
        assert table is not None
        columns = [func.sum(table.c[column]) for column in COUNTS]
        period = _period_of_tier(session, tier, table, grain).label("period")
        where = _where(table, tier.column(table), ranges, scope)
        query = select(period, *columns).where(*where).group_by(period)
        for hour, *sums in await session.execute(query):
            totals = per[period_of(hour, grain)]
            for index, value in enumerate(sums):
                totals[index] += int(value or 0)
    return [Counts(period, *per[period]) for period in sorted(per)]


async def _buckets(
    session: AsyncSession,
    scope: Scope,
    measures: Sequence[str] | None,
    parts: Sequence[tuple[Tier, Ranges]],
    groups: Callable[[Tier, Any], Sequence[Any]] = lambda tier, table: (),
) -> list[tuple[Any, ...]]:
    """Rows of (measure, *groups, bucket, count, seconds), summed over what the scope and
    ``groups`` (expressions of a tier's times table) leave open, one statement per tier of
    ``parts``; ``measures`` None: every agency's."""
    found: list[tuple[Any, ...]] = []
    for tier, ranges in parts:
        times = tier.times
        chosen = (
            times.c.measure.in_(measures)
            if measures is not None
            else times.c.measure.startswith(AGENCY_PREFIX)
        )
        keys = [times.c.measure, *groups(tier, times), times.c.bucket]
        query = (
            select(*keys, func.sum(times.c.count), func.sum(times.c.seconds))
            .where(chosen, *_where(times, tier.column(times), ranges, scope))
            .group_by(*keys)
        )
        found.extend(tuple(row) for row in await session.execute(query))
    return found


def _per_period(session: AsyncSession, grain: Grain) -> Callable[[Tier, Any], Sequence[Any]]:
    return lambda tier, table: [_period_of_tier(session, tier, table, grain).label("period")]


async def distributions(
    session: AsyncSession, measure: str, scope: Scope, grain: Grain
) -> list[tuple[datetime, Distribution]]:
    """One measure's distribution per period, oldest first (empty periods left out): the
    waits (``Measure.WAIT_FOR_CALL``, ``CALL_TO_EXIT``), an agency's time
    (``agency_measure(agency)``) or the forecast's error (``Measure.FORECAST_ERROR``)."""
    per: dict[datetime, list[tuple[int, int, int]]] = defaultdict(list)
    parts = by_period(scope.since, scope.until, hours=grain is Grain.HOUR)
    rows = await _buckets(session, scope, [measure], parts, _per_period(session, grain))
    for _, start, bucket, count, seconds in rows:
        per[period_of(start, grain)].append((bucket, int(count), int(seconds)))
    return [(period, merged(measure, per[period])) for period in sorted(per)]


async def forecast_accuracy(
    session: AsyncSession, scope: Scope, grain: Grain
) -> list[tuple[datetime, Distribution]]:
    """The forecast's signed error per period (minutes; above 0: called later than told)."""
    return await distributions(session, Measure.FORECAST_ERROR, scope, grain)


async def typical_waits(
    session: AsyncSession, scope: Scope, measure: str = Measure.WAIT_FOR_CALL
) -> dict[tuple[int, int], Distribution]:
    """CBP's "typical wait": the distribution per (local weekday, local hour of check-in),
    Monday 0, hours 0 to 23; combinations with no truck are left out."""

    def groups(tier: Tier, table: Any) -> Sequence[Any]:
        if tier.hourly:
            weekday, hour = local_weekday_and_hour(session, tier.column(table))
        else:
            weekday, hour = table.c.weekday, table.c.local_hour
        return [weekday.label("weekday"), hour.label("local_hour")]

    per: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    parts = by_weekday_hour(scope.since, scope.until, by_class=scope.queue_class is not None)
    for _, day, at, bucket, count, seconds in await _buckets(
        session, scope, [measure], parts, groups
    ):
        per[int(day), int(at)].append((bucket, int(count), int(seconds)))
    return {slot: merged(measure, rows) for slot, rows in sorted(per.items())}


async def agency_times(session: AsyncSession, scope: Scope) -> dict[str, Distribution]:
    """Each agency's time from the truck's arrival at the lane to its decision, over the
    whole window: ``percentile_minutes(0.5)`` the median, ``(0.9)`` the 90th percentile."""
    per: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    parts = by_period(scope.since, scope.until, hours=False)
    for measure, bucket, count, seconds in await _buckets(session, scope, None, parts):
        per[measure].append((bucket, int(count), int(seconds)))
    return {
        measure.removeprefix(AGENCY_PREFIX): merged(measure, rows)
        for measure, rows in sorted(per.items())
    }


async def agency_distributions(
    session: AsyncSession, scope: Scope, grain: Grain
) -> dict[str, list[tuple[datetime, Distribution]]]:
    """Every agency's time per period in one statement per tier: agency -> [(period,
    distribution)], oldest first (what ``distributions(agency_measure(agency), ...)`` gives
    for each)."""
    per: dict[str, dict[datetime, list[tuple[int, int, int]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    parts = by_period(scope.since, scope.until, hours=grain is Grain.HOUR)
    rows = await _buckets(session, scope, None, parts, _per_period(session, grain))
    for measure, start, bucket, count, seconds in rows:
        per[measure][period_of(start, grain)].append((bucket, int(count), int(seconds)))
    return {
        measure.removeprefix(AGENCY_PREFIX): [
            (period, merged(measure, rows)) for period, rows in sorted(periods.items())
        ]
        for measure, periods in sorted(per.items())
    }


@dataclass(frozen=True, slots=True)
class FeeDay:
    """The fees' totals of one local day (its midnight, aware, in the gates' zone): counts
    and VND, each column as ``gate/domain/fee_statistics.py`` counts it."""

    period: datetime
    fixed: int
    fixed_vnd: int
    paid_provider_vnd: int
    paid_cash_vnd: int
    statement_vnd: int
    refunded_vnd: int
    voided: int
    voided_vnd: int
    outstanding_vnd: int


async def fee_days(session: AsyncSession, scope: Scope) -> list[FeeDay]:
    """The fees' totals per local day whose midnight is in ``[since, until)`` (the rows are
    per day only: a window's ragged hours are not counted), summed over the scope's gates
    and directions (its class is not a fee's), oldest first; days with no row left out."""
    table = statistics_fee_days
    conditions = _where(table, table.c.day, [(as_utc(scope.since), as_utc(scope.until))], scope,
                        with_class=False)  # fmt: skip
    query = (
        select(table.c.day, *(func.sum(table.c[name]) for name in FEE_COUNTS))
        .where(*conditions)
        .group_by(table.c.day)
        .order_by(table.c.day)
    )
    return [
        FeeDay(as_utc(day).astimezone(LOCAL_TZ), *(int(value or 0) for value in sums))
        for day, *sums in await session.execute(query)
    ]

"""Which rollups a read takes its rows from: the hourly ones, the daily ones, or the
month's weekday-hours, and for which part of its window.

Every tier holds the same sums keyed by a longer period (``rows.py::add_to_rollups`` writes
them together), so a window cut into whole periods of one tier and the hours left at its
ends reads the same totals as the hours alone: the answers are identical, only the rows
read are fewer (``tests/integration/test_statistics_tiers.py`` holds them equal on random
histories). A year of one measure is 125,000 to 300,000 hourly rows and some 24 times fewer
daily ones (docs/benchmarks.md, "Statistics over a year").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, or_

from gate.domain.time import as_utc
from gate.statistics.periods import whole_days, whole_months
from gate.store.tables import (
    StatisticsHour,
    StatisticsTime,
    statistics_day_times,
    statistics_days,
    statistics_weekday_hours,
)
from gate.store.tables.base import table_of

# Whole local days from which a window's days are read from the daily rollups; fewer are
# read from the hours (a day or two is a few hundred hourly rows: nothing to save).
DAYS_FROM = 3

Ranges = list[tuple[datetime, datetime]]


@dataclass(frozen=True, slots=True)
class Tier:
    """A set of rollups: its counts' table (None: it keeps no counts), its times' table and
    the name of the column holding each row's period (a UTC hour, or a local day's or
    month's midnight)."""

    counts: Table | None
    times: Table
    period: str
    hourly: bool

    def column(self, table: Table) -> Any:
        return table.c[self.period]


HOURS = Tier(table_of(StatisticsHour), table_of(StatisticsTime), "hour", hourly=True)
DAYS = Tier(statistics_days, statistics_day_times, "day", hourly=False)
# The typical week's: per local month, weekday and hour of day (times only).
WEEKDAY_HOURS = Tier(None, statistics_weekday_hours, "month", hourly=False)


def _split(
    tier: Tier, since: datetime, until: datetime, first: datetime, end: datetime
) -> list[tuple[Tier, Ranges]]:
    """``[first, end)`` from ``tier``, the rest of ``[since, until)`` from the hours."""
    since, until = as_utc(since), as_utc(until)
    ends = [(a, b) for a, b in ((since, first), (end, until)) if a < b]
    return [(tier, [(first, end)])] + ([(HOURS, ends)] if ends else [])


def by_period(since: datetime, until: datetime, *, hours: bool) -> list[tuple[Tier, Ranges]]:
    """Where the rows of ``[since, until)`` are read for a read per period (``hours``: per
    hour, only the hourly rollups can say) or over the whole window: the whole local days
    from the daily rollups when there are at least ``DAYS_FROM``, the rest from the hours."""
    first, end = whole_days(since, until)
    if hours or end - first < timedelta(days=DAYS_FROM):
        return [(HOURS, [(as_utc(since), as_utc(until))])]
    return _split(DAYS, since, until, first, end)


def by_weekday_hour(
    since: datetime, until: datetime, *, by_class: bool = False
) -> list[tuple[Tier, Ranges]]:
    """Where the rows of ``[since, until)`` are read for the typical week: its whole local
    months from the month's weekday-hours, the rest from the hours; all from the hours for
    one class (``by_class``: the month's rows are not per class)."""
    first, end = whole_months(since, until)
    if by_class or end <= first:
        return [(HOURS, [(as_utc(since), as_utc(until))])]
    return _split(WEEKDAY_HOURS, since, until, first, end)


def within(column: Any, ranges: Ranges) -> ColumnElement[bool]:
    """``column`` in any of the half-open ``ranges``."""
    return or_(*(and_(column >= start, column < end) for start, end in ranges))

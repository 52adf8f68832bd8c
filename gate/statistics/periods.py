"""The gates' local periods of a UTC hour, and how a window splits into whole ones: what the
daily and monthly rollups are keyed by (``rows.py`` writes them, ``reads.py`` reads them).

Days and months are the gates' own, Asia/Ho_Chi_Minh (UTC+7, no summer time since 1975), each
kept as the instant of its local midnight (an aware UTC datetime), as the reads' periods are.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gate.domain.time import LOCAL_TZ, as_utc


def day_of(hour: datetime) -> datetime:
    """The local midnight starting the day ``hour`` falls in, as a UTC instant."""
    local = as_utc(hour).astimezone(LOCAL_TZ)
    return as_utc(local.replace(hour=0, minute=0, second=0, microsecond=0))


def month_of(hour: datetime) -> datetime:
    """The local midnight starting the month ``hour`` falls in, as a UTC instant."""
    local = as_utc(hour).astimezone(LOCAL_TZ)
    return as_utc(local.replace(day=1, hour=0, minute=0, second=0, microsecond=0))


def weekday_and_hour(hour: datetime) -> tuple[int, int]:
    """The local weekday (Monday 0) and hour of day (0 to 23) of a UTC hour."""
    local = as_utc(hour).astimezone(LOCAL_TZ)
    return local.weekday(), local.hour


def _next_day(start: datetime) -> datetime:
    return day_of(start + timedelta(hours=36))


def _next_month(start: datetime) -> datetime:
    return month_of(start + timedelta(days=40))


def whole_days(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    """The whole local days inside ``[since, until)``: ``(first, end)``, the midnight of the
    first and the one after the last; ``first >= end`` when there is none."""
    first = day_of(since)
    if first < as_utc(since):
        first = _next_day(first)
    return first, day_of(until)


def whole_months(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    """The whole local months inside ``[since, until)``, as :func:`whole_days` gives days."""
    first = month_of(since)
    if first < as_utc(since):
        first = _next_month(first)
    return first, month_of(until)

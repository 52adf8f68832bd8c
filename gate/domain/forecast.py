"""Wait forecasts (dự báo thời gian chờ) from measured service, and their measured accuracy.

A forecast here is arithmetic on what the gate really did: how many vehicles each direction
called to its lanes in the last hour, and how long each agency took at the lane. When there
is too little history (a quiet night, a new gate) the planned hourly capacity stands in, and
the forecast says which it used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

SERVICE_WINDOW = timedelta(hours=1)
# Fewer calls than this in the window and the measured rate is noise, not a rate.
MIN_CALLS_FOR_RATE = 3


@dataclass(frozen=True, slots=True)
class ServiceRate:
    per_hour: float
    measured: bool  # False: the planned capacity stood in for missing history

    def minutes_for(self, vehicles_ahead: int) -> float | None:
        """Minutes until ``vehicles_ahead`` vehicles have been called."""
        if self.per_hour <= 0:
            return None
        return vehicles_ahead / self.per_hour * 60


def to_the_minute(moment: datetime) -> datetime:
    """``moment`` rounded to the nearest minute (half a minute up), as forecast instants are
    published. A forecast is "now plus the wait", and now moves: unrounded, every rebuild
    of a live channel (every 2 s) moved it by microseconds and sent a delta to every viewer
    of an idle yard. Rounded, it changes at most once a minute when nothing happens, and a
    forecast's own error (minutes, ``ForecastAccuracy``) dwarfs the half minute it loses."""
    return (moment + timedelta(seconds=30)).replace(second=0, microsecond=0)


def service_rate(
    call_times: Sequence[datetime], now: datetime, planned_per_hour: float, lanes_open: int
) -> ServiceRate:
    """Vehicles called per hour in the last SERVICE_WINDOW; with no open lane, nobody moves."""
    recent = [t for t in call_times if now - SERVICE_WINDOW <= t <= now]
    return rate_from_count(len(recent), planned_per_hour, lanes_open)


def rate_from_count(calls_in_window: int, planned_per_hour: float, lanes_open: int) -> ServiceRate:
    """The same rate from the number of calls in the last SERVICE_WINDOW, for callers that
    count in the database instead of fetching the call times."""
    if lanes_open <= 0:
        return ServiceRate(0.0, measured=False)
    if calls_in_window >= MIN_CALLS_FOR_RATE:
        return ServiceRate(calls_in_window / (SERVICE_WINDOW.total_seconds() / 3600), measured=True)
    return ServiceRate(float(planned_per_hour), measured=False)


def mean_minutes(durations: Sequence[timedelta]) -> float | None:
    """Average of measured durations (e.g. an agency's time at the lane), in minutes."""
    if not durations:
        return None
    return sum(d.total_seconds() for d in durations) / len(durations) / 60


@dataclass(frozen=True, slots=True)
class ForecastAccuracy:
    """How far the forecast calls were from the real ones, over the last ``samples`` calls."""

    samples: int
    mean_absolute_error_minutes: float | None
    mean_error_minutes: float | None  # positive: vehicles were called later than forecast


def forecast_accuracy(pairs: Sequence[tuple[datetime, datetime]]) -> ForecastAccuracy:
    """``pairs`` of (predicted call time, actual call time)."""
    if not pairs:
        return ForecastAccuracy(0, None, None)
    errors = [(actual - predicted).total_seconds() / 60 for predicted, actual in pairs]
    return ForecastAccuracy(
        samples=len(errors),
        mean_absolute_error_minutes=round(sum(abs(e) for e in errors) / len(errors), 1),
        mean_error_minutes=round(sum(errors) / len(errors), 1),
    )

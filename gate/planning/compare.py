"""A past day's prediction against what happened: the simulation replays the day's measured
arrivals with its measured lanes and service times, and its mean wait per hour is set beside
the measured one."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean

from gate.planning.forecast import DEFAULT_REPLICATIONS, DEFAULT_SEED, forecast
from gate.planning.measured import MeasuredDay
from gate.planning.model import Forecast


@dataclass(frozen=True, slots=True)
class HourComparison:
    """One hour: the mean wait (minutes) measured and simulated for the trucks that arrived
    in it, and the error (simulated minus measured); None where the day had no called truck."""

    hour: int
    measured: float | None
    simulated: float | None
    error: float | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """The day hour by hour, and the mean absolute error over the hours with both figures
    (minutes); ``forecast`` is the simulation's full answer."""

    hours: tuple[HourComparison, ...]
    mean_absolute_error: float | None
    forecast: Forecast


def compare(
    day: MeasuredDay, count: int = DEFAULT_REPLICATIONS, seed: int = DEFAULT_SEED
) -> Comparison:
    """Simulate ``day`` as it came (its own arrivals) and compare hour by hour."""
    simulated = forecast(day.plan, count, seed)
    hours: list[HourComparison] = []
    for hour, measured in enumerate(day.actual_waits):
        predicted = simulated.hours[hour].mean_wait
        error = None if measured is None or predicted is None else predicted - measured
        hours.append(HourComparison(hour, measured, predicted, error))
    errors = [abs(each.error) for each in hours if each.error is not None]
    return Comparison(tuple(hours), fmean(errors) if errors else None, simulated)

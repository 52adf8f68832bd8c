"""A past day's prediction against what happened: the simulation replays the day's measured
arrivals with its measured lanes and service times, and its figures per hour are set beside
the measured ones, summed up by the same definitions (gate/planning/actual.py)."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import fmean

from gate.domain.errors import ValidationFailed
from gate.planning.forecast import DEFAULT_REPLICATIONS, DEFAULT_SEED, forecast
from gate.planning.measured import MeasuredDay
from gate.planning.model import Forecast


@dataclass(frozen=True, slots=True)
class HourComparison:
    """One hour: the mean wait (minutes) measured and simulated for the trucks that arrived
    in it and were called before closing, and the error (simulated minus measured); None
    where either has no such truck."""

    hour: int
    measured: float | None
    simulated: float | None
    error: float | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """The day hour by hour, and the mean absolute error over the hours with both figures
    (minutes); ``measured`` and ``simulated`` are the two days summed up in full."""

    hours: tuple[HourComparison, ...]
    mean_absolute_error: float | None
    measured: Forecast
    simulated: Forecast


def compare_with(measured: Forecast, simulated: Forecast) -> Comparison:
    """``simulated`` set beside ``measured``, hour by hour."""
    hours: list[HourComparison] = []
    for actual, predicted in zip(measured.hours, simulated.hours, strict=True):
        was, said = actual.mean_wait, predicted.mean_wait
        error = None if was is None or said is None else said - was
        hours.append(HourComparison(actual.hour, was, said, error))
    errors = [abs(each.error) for each in hours if each.error is not None]
    return Comparison(tuple(hours), fmean(errors) if errors else None, measured, simulated)


def compare(
    day: MeasuredDay, count: int = DEFAULT_REPLICATIONS, seed: int = DEFAULT_SEED
) -> Comparison:
    """Simulate ``day`` as it came (its own arrivals) and compare hour by hour.
    ValidationFailed for a day not over (nothing measured to compare with)."""
    if day.observed is None:
        raise ValidationFailed(
            "only a day that is over can be compared with what happened", field="day"
        )
    return compare_with(day.observed, forecast(day.plan, count, seed))

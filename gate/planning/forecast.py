"""The simulated day summed up over its replications: waits per hour of arrival (mean, its 95%
confidence interval across replications, 90th percentile) and the queue's length per hour."""

from __future__ import annotations

from math import ceil, sqrt
from statistics import fmean, stdev

from gate.planning.model import DayPlan, Forecast, HourForecast
from gate.planning.simulation import Run, replications

DEFAULT_REPLICATIONS = 20
DEFAULT_SEED = 17

# Student's t, two-sided 95% (the 0.975 quantile), by degrees of freedom; beyond 30 the
# normal's 1.96 is within 2%. Written out so as not to need a statistics library for it.
_T_975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def half_width(values: list[float]) -> float | None:
    """The half width of the 95% confidence interval of the mean of ``values`` (independent
    replications' means, Student's t); None with fewer than two."""
    if len(values) < 2:
        return None
    degrees = len(values) - 1
    t = _T_975[degrees - 1] if degrees <= len(_T_975) else 1.96
    return t * stdev(values) / sqrt(len(values))


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` 0.9 for p90); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, ceil(share * len(ordered)) - 1)]


def forecast(
    plan: DayPlan, count: int = DEFAULT_REPLICATIONS, seed: int = DEFAULT_SEED
) -> Forecast:
    """Run ``count`` seeded replications of ``plan`` and sum them up per hour and over the
    day. A truck's wait counts in the hour it arrived."""
    runs = list(replications(plan, count, seed))
    return summarise(plan.hours, runs, seed)


def summarise(hours: int, runs: list[Run], seed: int | None) -> Forecast:
    """The forecast of the replications ``runs`` of a day of ``hours`` hours (``seed`` None:
    the measured day, one run). Waits are the called trucks'; those still waiting at closing
    are counted per hour of arrival and their waits so far averaged apart (censored). A
    truck that arrived before the day (today's queue) counts in its first hour."""
    count = len(runs)
    by_hour: list[list[list[float]]] = [[[] for _ in runs] for _ in range(hours)]
    left: list[int] = [0] * hours
    for index, run in enumerate(runs):
        for minute, wait in run.waits:
            by_hour[_hour(minute, hours)][index].append(wait)
        for minute, _ in run.censored:
            left[_hour(minute, hours)] += 1
    found: list[HourForecast] = []
    for hour, per_run in enumerate(by_hour):
        pooled = [wait for waits in per_run for wait in waits]
        means = [fmean(waits) for waits in per_run if waits]
        found.append(
            HourForecast(
                hour=hour,
                arrivals=(len(pooled) + left[hour]) / count,
                mean_wait=fmean(pooled) if pooled else None,
                wait_half_width=half_width(means),
                p90_wait=percentile(pooled, 0.9),
                mean_queue=fmean(run.queue_minutes[hour] / 60 for run in runs),
                calls=fmean(run.calls[hour] for run in runs),
                still_waiting=left[hour] / count,
            )
        )
    every = [wait for run in runs for _, wait in run.waits]
    censored = [wait for run in runs for _, wait in run.censored]
    day_means = [fmean(wait for _, wait in run.waits) for run in runs if run.waits]
    return Forecast(
        hours=tuple(found),
        trucks=(len(every) + len(censored)) / count,
        mean_wait=fmean(every) if every else None,
        wait_half_width=half_width(day_means),
        p90_wait=percentile(every, 0.9),
        still_waiting=len(censored) / count,
        censored_wait=fmean(censored) if censored else None,
        replications=count,
        seed=seed,
    )


def _hour(minute: float, hours: int) -> int:
    # A truck waiting since before midnight (today's queue) counts in the day's first hour.
    return max(0, min(int(minute // 60), hours - 1))

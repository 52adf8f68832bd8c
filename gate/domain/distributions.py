"""Distributions of times (waits, an agency's time, the forecast's error) as the statistics
keep them: counts and sums of whole seconds per bucket of minutes, the buckets' bounds, the
bands they stand for, and what can be read back from them (gate/domain/statistics.py says
what each measure is; its callers import these names from there).

A percentile read from buckets is known only as the bucket (band) it falls in; a figure of
minutes inside the band is an estimate by rank (:meth:`Distribution.percentile_minutes`), so
what is published says its band (:meth:`Distribution.band`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

# Waits, in minutes: the upper bounds of the buckets (a value v falls in the first bucket
# whose bound is above v; the last bucket, past 1440, has no bound). Fine where trucks
# usually wait (minutes to two hours), coarse for the long holds of quarantine.
WAIT_BOUNDS_MINUTES = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480, 720, 1440)
# The forecast's error, signed (called minus predicted; above zero: called later than told).
ERROR_BOUNDS_MINUTES = (-120, -60, -30, -15, -5, 0, 5, 15, 30, 60, 120)


class Measure(StrEnum):
    """What a distribution measures; an agency's time is ``agency:<agency>``."""

    WAIT_FOR_CALL = "wait_for_call"  # check-in to call (or expiry), in the check-in's hour
    WAIT_ENDED = "wait_ended"  # the same waits, in the hour each ended (the board's chart)
    CALL_TO_EXIT = "call_to_exit"
    CALL_TO_TURN_BACK = "call_to_turn_back"  # call to the refusal of a truck turned back
    FORECAST_ERROR = "forecast_error"  # called_at - predicted_call_at, signed


AGENCY_PREFIX = "agency:"


def agency_measure(agency: str) -> str:
    """The measure of an agency's time from the truck's arrival at the lane to its decision."""
    return AGENCY_PREFIX + agency


def bounds_of(measure: str) -> tuple[int, ...]:
    """The bucket bounds (minutes) of a measure."""
    return ERROR_BOUNDS_MINUTES if measure == Measure.FORECAST_ERROR else WAIT_BOUNDS_MINUTES


def bucket_of(measure: str, seconds: int) -> int:
    """The index of the bucket ``seconds`` falls in: 0 below the first bound, len(bounds)
    at or past the last. A negative wait (two clocks a little apart) falls in bucket 0."""
    return bisect_right([bound * 60 for bound in bounds_of(measure)], seconds)


@dataclass(frozen=True, slots=True)
class Band:
    """One bucket's span in minutes, ``low`` included and ``high`` not; None is open (below
    the forecast error's first bound; past any measure's last). A wait's first band starts
    at 0 (a wait a little below 0, two clocks apart, is counted there too)."""

    low: int | None
    high: int | None


def band_of(measure: str, bucket: int) -> Band:
    """The span of bucket ``bucket`` of ``measure``."""
    bounds = bounds_of(measure)
    floor = None if measure == Measure.FORECAST_ERROR else 0
    low = bounds[bucket - 1] if bucket > 0 else floor
    return Band(low, bounds[bucket] if bucket < len(bounds) else None)


@dataclass(frozen=True, slots=True)
class Distribution:
    """A distribution of one measure read from its buckets: ``buckets`` maps a bucket index
    to (count, sum of seconds). Percentiles interpolate linearly within a bucket; the open
    ends use the bucket's own mean as their far edge, which is exact for a bucket of one."""

    measure: str
    buckets: Mapping[int, tuple[int, int]]

    @property
    def count(self) -> int:
        return sum(count for count, _ in self.buckets.values())

    @property
    def mean_minutes(self) -> float | None:
        """The mean in minutes, exact (from the sums); None when empty."""
        count = self.count
        if not count:
            return None
        return sum(seconds for _, seconds in self.buckets.values()) / count / 60

    def band(self, share: float) -> Band | None:
        """The band (bucket) the ``share`` (0 to 1) percentile falls in: all the buckets can
        say of it; None when empty. "The median is under 5 min" where the estimate within the
        band (:meth:`percentile_minutes`) would say 2.5 min, a figure nobody measured."""
        rank = share * self.count
        seen = 0
        for index in sorted(self.buckets):
            in_bucket = self.buckets[index][0]
            if in_bucket and seen + in_bucket >= rank:
                return band_of(self.measure, index)
            seen += in_bucket
        return None

    def percentile_minutes(self, share: float, *, within_bounds: bool = False) -> float | None:
        """The ``share`` (0 to 1) percentile in minutes, estimated from the buckets: within
        its bucket by the rank, or the exact mean of a bucket holding one truck. With
        ``within_bounds`` (for what is published), never a bucket's mean: always a point
        between its bounds (the open last bucket: its lower bound), so no figure is one
        truck's own time."""
        count = self.count
        if not count:
            return None
        bounds = bounds_of(self.measure)
        rank = share * count
        seen = 0
        for index in sorted(self.buckets):
            in_bucket, seconds = self.buckets[index]
            if not in_bucket:
                continue
            if seen + in_bucket >= rank:
                mean = seconds / in_bucket / 60
                if within_bounds:
                    if index >= len(bounds):
                        return float(bounds[-1])  # open above: its floor, not its trucks
                    start = float(bounds[index - 1] if index > 0 else min(0, bounds[0]))
                    end = float(bounds[index])
                    return start + (end - start) * max(0.0, rank - seen) / in_bucket
                # The first bucket's floor: 0 for a wait, the bucket's mean for the error.
                floor = min(mean, 0 if self.measure != Measure.FORECAST_ERROR else bounds[0])
                low = bounds[index - 1] if index > 0 else floor
                high = bounds[index] if index < len(bounds) else max(mean, bounds[-1])
                if in_bucket == 1:
                    return mean
                return low + (high - low) * max(0.0, rank - seen) / in_bucket
            seen += in_bucket
        return None


def merged(measure: str, rows: Sequence[tuple[int, int, int]]) -> Distribution:
    """A distribution from rows of (bucket, count, sum of seconds), buckets repeated."""
    buckets: dict[int, tuple[int, int]] = {}
    for bucket, count, seconds in rows:
        old = buckets.get(bucket, (0, 0))
        buckets[bucket] = (old[0] + count, old[1] + seconds)
    return Distribution(measure, buckets)

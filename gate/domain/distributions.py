"""Distributions of times (waits, an agency's time, the forecast's error) as the statistics
keep them: counts and sums of whole seconds per bucket of minutes, the buckets' bounds, the
bands they stand for, and what can be read back from them (gate/domain/statistics.py says
what each measure is; its callers import these names from there).

A percentile read from buckets is known for certain only as the bucket (band) it falls in
(:meth:`Distribution.band`); a figure of minutes inside the band is an estimate
(:meth:`Distribution.percentile_minutes`), so what is published says its band too.

**The estimate inside a band** (issue 17: waits of 0.0 to 0.3 min read as a median of 2.5
and a 90th percentile of 4.5, the middle and near top of the 0-5 band, on every page and
for every agency alike). A bucket keeps its count ``n`` and the exact sum of its values, so
their mean ``m`` is known; the rest is assumed. Its values are taken as spread evenly over
the widest span inside the band whose middle is ``m``: ``[lo, 2m - lo]`` when ``m`` lies in
the lower half of ``[lo, hi)``, ``[2m - hi, hi]`` when in the upper half (an open band:
from its one bound, ``[lo, 2m - lo]`` above the last bound, ``[2m - hi, hi]`` below the
forecast error's first). The k-th smallest of the bucket's values is read at its expected
place among ``n`` values spread evenly over that span ``[a, b]``: ``a + (b - a) k / (n + 1)``.
So the estimate always lies inside the band; the bucket's ``n`` estimates average exactly
to ``m``; a lone value is read exactly, as is the middle one of an odd count, and values
that all sit on the band's floor are read as the floor (waits of 0 s read 0, not 2.5 min,
and a forecast error of exactly 0 is not "called later than told"). Equal values elsewhere
in a bucket of two or more are read spread around their value: a count and a sum cannot
tell them from values spread around the same mean. The rule is ours, not a textbook's: the
textbook's grouped-data interpolation (``lo + (hi - lo) × rank / n``, the "midpoint" rule
this replaces) ignores the sums; this one agrees with them, and over random samples reads a
median closer to the true one (``tests/unit/test_percentile_estimate.py``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from math import ceil

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
    to (count, sum of seconds). Percentiles are estimated inside their bucket by the rule of
    the module's docstring, from the bucket's count and mean."""

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
        say for certain; None when empty."""
        found = self._locate(share)
        return None if found is None else band_of(self.measure, found[0])

    def percentile_minutes(self, share: float, *, mean_from: int = 1) -> float | None:
        """The ``share`` (0 to 1) percentile in minutes, estimated from the buckets; None
        when empty. It is the estimate of the ⌈share × count⌉-th smallest value (at least
        the first), the value :meth:`band` names the bucket of, by the rule of the module's
        docstring: the bucket's values evenly spread over the widest span inside the bucket
        whose middle is the bucket's mean (its exact sum over its count). ``mean_from``: the
        fewest values a bucket must hold for its mean to be used; a bucket with fewer is
        read from its bounds alone (its whole span; an open bucket, its finite bound), so
        that the estimate says nothing of so few values (what is published passes the
        number of trucks below which a figure is withheld, gate/statistics/public.py)."""
        found = self._locate(share)
        if found is None:
            return None
        index, k = found
        count, seconds = self.buckets[index]
        low, high = _spread_of(band_of(self.measure, index), count, seconds, mean_from)
        return low + (high - low) * k / (count + 1)

    def _locate(self, share: float) -> tuple[int, int] | None:
        """The bucket holding the ⌈share × count⌉-th smallest value (the first for a share
        of 0) and that value's rank among the bucket's own (1 its smallest)."""
        count = self.count
        if count <= 0:
            return None
        # A share times a count lands a hair above a whole rank in floating point (0.9 × 70
        # is 63.00000000000001): rounded off, so that the 63rd value is read, not the 64th.
        wanted = min(count, max(1, ceil(round(share * count, 9))))
        seen = 0
        for index in sorted(self.buckets):
            in_bucket = self.buckets[index][0]
            if in_bucket > 0 and seen + in_bucket >= wanted:
                return index, wanted - seen
            seen += max(in_bucket, 0)
        return None


def _spread_of(band: Band, count: int, seconds: int, mean_from: int) -> tuple[float, float]:
    """The span (minutes) a bucket's values are taken as spread evenly over: the widest inside
    ``band`` whose middle is their mean, or with fewer than ``mean_from`` values the band
    itself (an open band: its one bound)."""
    low, high = band.low, band.high
    if count < mean_from:
        edges = [float(edge) for edge in (low, high) if edge is not None]
        return edges[0], edges[-1]
    mean = seconds / count / 60
    # Two clocks a little apart may put a wait a hair below 0 (counted in the first band):
    # the mean is held inside the band, and the estimate with it.
    if low is not None:
        mean = max(mean, float(low))
    if high is not None:
        mean = min(mean, float(high))
    if low is not None and (high is None or mean <= (low + high) / 2):
        return float(low), 2 * mean - low
    assert high is not None  # a band has at least one bound
    return 2 * mean - high, float(high)


def merged(measure: str, rows: Sequence[tuple[int, int, int]]) -> Distribution:
    """A distribution from rows of (bucket, count, sum of seconds), buckets repeated."""
    buckets: dict[int, tuple[int, int]] = {}
    for bucket, count, seconds in rows:
        old = buckets.get(bucket, (0, 0))
        buckets[bucket] = (old[0] + count, old[1] + seconds)
    return Distribution(measure, buckets)

"""No-show accountability (issue 18): an enterprise whose bookings lapse unused holds a smaller
share of the peak hours' places.

The idea is the port truck-appointment systems' (Hamburg, Los Angeles/Long Beach, Sydney,
Vancouver; the product brief, PRODUCT.md): "firms with many no-shows get fewer peak slots". The
rule here, with the defaults of gate/config.py (GATE_NO_SHOW_*, GATE_PEAK_*):

- the rate: no-shows ÷ bookings counted, over the bookings whose hour ended in the last
  ``window`` (30 days), leaving out the bookings cancelled before their hour began; an
  excused no-show (an officer accepted its reason) counts as a booking, not as a no-show;
- no rate below ``minimum_bookings`` (10) counted bookings: one missed truck of a small
  enterprise does not punish it;
- the share of a peak hour's places the enterprise may hold:
  ``share = max(floor, 1 − slope × max(0, rate − threshold))`` (threshold 0.10, slope 2,
  floor 0.25): 1 (no limit) up to a 10 % rate, 0.6 at 30 %, the floor from 47.5 % on;
- the places: ``ceil(share × capacity)`` of the hour, so never below ``floor × capacity``
  and never none while the hour has any place;
- peak hours: the local hours (Asia/Ho_Chi_Minh) of ``peak_hours``; off-peak hours take any
  enterprise's bookings as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from gate.domain.errors import Conflict

DEFAULT_PEAK_HOURS = frozenset({*range(7, 11), *range(13, 17)})


def parse_peak_hours(value: str) -> frozenset[int]:
    """``"7-11,13-17"`` (local hours, each span from its first hour up to, not including, its
    last; a lone ``"18"`` is that hour) as the set of peak hours; ``"none"`` for no peak
    hour. ValueError naming what is expected when a span does not read."""
    if value.strip().lower() == "none":
        return frozenset()
    hours: set[int] = set()
    for span in value.split(","):
        first, dash, last = span.strip().partition("-")
        try:
            start = int(first)
            end = int(last) if dash else start + 1
        except ValueError:
            raise ValueError("local hours such as 7-11,13-17 (or none)") from None
        if not 0 <= start < end <= 24:
            raise ValueError("spans of local hours from 0 to 24, such as 7-11,13-17")
        hours.update(range(start, end))
    return frozenset(hours)


def parse_fraction(value: str) -> float:
    """A setting's rate or share (GATE_NO_SHOW_THRESHOLD, GATE_PEAK_SHARE_FLOOR): a number
    from 0 to 1; ValueError otherwise."""
    number = float(value)
    if not 0 <= number <= 1:
        raise ValueError("a number from 0 to 1")
    return number


@dataclass(frozen=True, slots=True)
class NoShowPolicy:
    """The numbers of the rule (module docstring): ``window`` of the rate, the
    ``minimum_bookings`` before it counts, the ``threshold`` rate above which the share
    shrinks by ``slope`` per unit of rate, down to ``floor``; ``peak_hours`` local hours."""

    window: timedelta = timedelta(days=30)
    minimum_bookings: int = 10
    threshold: float = 0.10
    slope: float = 2.0
    floor: float = 0.25
    peak_hours: frozenset[int] = DEFAULT_PEAK_HOURS

    def is_peak(self, local_hour: int) -> bool:
        """Whether a slot starting at ``local_hour`` (0 to 23, local time) is a peak hour."""
        return local_hour in self.peak_hours


# The defaults, as gate/config.py's settings state them too.
DEFAULT_POLICY = NoShowPolicy()


@dataclass(frozen=True, slots=True)
class NoShowStanding:
    """An enterprise's record over the window: ``no_shows`` (unexcused), ``excused``,
    ``counted`` bookings (the rate's denominator), ``rate`` (None: fewer than the minimum
    counted) and ``share`` of a peak hour's places it may hold (0 to 1)."""

    no_shows: int
    excused: int
    counted: int
    rate: float | None
    share: float


def no_show_rate(no_shows: int, counted: int, policy: NoShowPolicy) -> float | None:
    """``no_shows / counted``, or None when fewer than ``policy.minimum_bookings`` counted."""
    if counted < max(1, policy.minimum_bookings):
        return None
    return min(1.0, no_shows / counted)


def peak_share(rate: float | None, policy: NoShowPolicy) -> float:
    """The share (0 to 1) of a peak hour's places an enterprise with ``rate`` may hold:
    ``max(floor, 1 − slope × max(0, rate − threshold))``; 1 without a rate."""
    if rate is None:
        return 1.0
    return max(policy.floor, min(1.0, 1.0 - policy.slope * max(0.0, rate - policy.threshold)))


def standing(no_shows: int, excused: int, counted: int, policy: NoShowPolicy) -> NoShowStanding:
    """The standing of an enterprise from its counts (``no_shows`` unexcused)."""
    rate = no_show_rate(no_shows, counted, policy)
    return NoShowStanding(no_shows, excused, counted, rate, peak_share(rate, policy))


def peak_places(share: float, capacity: int) -> int:
    """The places of a peak hour of ``capacity`` an enterprise with ``share`` may hold:
    ``ceil(share × capacity)``, at least 1, all of them at share 1. A tiny epsilon keeps
    0.6 × 10 at 6 (binary floating point makes it 6.000000000000001)."""
    if share >= 1.0 or capacity <= 0:
        return max(0, capacity)
    # At least one place: an enterprise is never shut out of an hour that has room.
    return min(capacity, max(1, math.ceil(share * capacity - 1e-9)))


class PeakShareExceeded(Conflict):
    """A booking or reschedule into a peak hour beyond the enterprise's share of its places
    (gate/domain/no_shows.py). ``held``: its bookings in the hour; ``allowed``: its places."""

    code = "peak-share-exceeded"
    title = "The enterprise holds its share of this peak hour already"

    def __init__(self, held: int, allowed: int, share: float) -> None:
        super().__init__(
            f"your no-show rate limits you to {allowed} place(s) of this peak hour and you "
            f"hold {held}; book an off-peak hour, or lower the rate",
            why="peak-share",
            why_value=allowed,
        )
        self.held, self.allowed, self.share = held, allowed, share


def check_peak_share(held: int, share: float, capacity: int) -> None:
    """Refuse (PeakShareExceeded) one more place when ``held`` already fill the share."""
    allowed = peak_places(share, capacity)
    if held >= allowed:
        raise PeakShareExceeded(held, allowed, share)

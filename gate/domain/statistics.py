"""What a booking adds to the statistics (thống kê): its counts and its times, per hour.

The rollups are a sum over bookings of :func:`contributions`, a pure function of one
booking's own row and its agencies' decisions. So the incremental job and a rebuild agree
by construction: the job takes a changed booking's last contributions away and adds its new
ones, a rebuild sums every booking's afresh.

**Keys.** A contribution is keyed by gate, direction, hour (the UTC hour it starts, on the
hour) and class. The class is the queue class the truck was served in
(:class:`gate.domain.queue.QueueClass`: perishable, aeo, regular), set at check-in. A booking
that never reached the yard (cancelled, lapsed, still booked) has none yet: it counts by its
cargo alone, ``perishable`` or ``regular``. An AEO's standing is judged at check-in from the
enterprise as it is then; read later it could have changed, and the rollup must be a function
of the booking's row to be rebuildable. So ``aeo`` counts only trucks that checked in.

**What each count is** (``COUNTS``), and which hour it belongs to, chosen for what leaders
compare:

* ``made``: every booking of the hour, whatever became of it, walk-ins (booked at the gate
  on arrival) and cancelled ones included: the demand for the hour's places. ``cancelled``,
  ``lapsed`` (no-shows: never checked in; or called and never came to the lane) and
  ``walk_ins`` are parts of it. All four count in the slot's hour (the booking's current
  slot: a reschedule moves it). A leader sets them beside the hour's capacity offered and
  held, and reads the share of an hour's bookings that never came; the creation hour would
  say when enterprises use the portal, which nobody asked.
* ``checked_in``, ``called``, ``exited``: the hour it happened (``arrived_at``,
  ``called_at``, ``exited_at``): the trucks the yard and the lanes handled in that hour.
* ``turned_back``: trucks an agency refused (status ``rejected``; they never exit), in the
  hour of the refusing decision (the call's hour when none is on record).
* ``expired``: trucks that checked in and were never called, let go by the queue after
  ``QUEUE_ENTRY_LIFETIME`` (gate/bookings/sweeps.py), in the hour that lifetime ran out
  (the sweep marks them within a round of it; its own time is not on the row).

**Times**, each counted in the hour it began, so "typical wait by hour" reads as a driver
asks it ("if I check in at 14:00, how long do I wait"):

* ``wait_for_call``: check-in to call, in the hour of check-in. A truck that expired counts
  too, with the queue's lifetime as its wait (it waited at least that long: the open bucket
  past 24 h): leaving them out made the waits look shorter the worse the day was.
* ``wait_ended``: the very same waits, in the hour each ended (the call, or the expiry). The
  board's chart reads this one: keyed by check-in, the latest hours hold only the trucks
  called quickly, and a jam drew a falling line (gate/live/wait_chart.py).
* ``call_to_exit``: call to exit, in the hour of the call; ``call_to_turn_back``: call to the
  refusal of a truck turned back, in the hour of the call (a truck turned back has no exit).
* an agency's time in the hour the truck reached the lane; the forecast's error in the hour
  of check-in (when it was made).

A time that has not ended (a truck still waiting) is not counted until it ends. A truck
re-queued after a missed call keeps its first call's time until it is called again
(``called_at`` is overwritten then): the rollups follow the booking's row as it stands. Let
go uncalled after its re-queue, it counts as any expired truck (``queue_left_at``).

**Times** are whole seconds (rounded down), so sums are exact integers on both databases.
Each distribution is counts per bucket plus the sum of the values in each bucket; means and
percentiles are read from them (:class:`Distribution`). A percentile is known for certain
only as its band (:meth:`Distribution.band`): "under 5 min"; the minutes inside it are an
estimate from the bucket's count and mean (gate/domain/distributions.py says the rule).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from gate.domain.bookings import QUEUE_ENTRY_LIFETIME
from gate.domain.distributions import (
    AGENCY_PREFIX,
    ERROR_BOUNDS_MINUTES,
    WAIT_BOUNDS_MINUTES,
    Band,
    Distribution,
    Measure,
    agency_measure,
    band_of,
    bounds_of,
    bucket_of,
    merged,
)
from gate.domain.fee_statistics import FeeFacts, FeeTotals, fee_totals
from gate.domain.time import as_utc

# The distributions' names are this module's too: callers read the statistics from one place.
__all__ = [
    "AGENCY_PREFIX",
    "COUNTS",
    "ERROR_BOUNDS_MINUTES",
    "WAIT_BOUNDS_MINUTES",
    "AgencyTime",
    "Band",
    "BookingFacts",
    "Contributions",
    "Distribution",
    "Key",
    "Measure",
    "agency_measure",
    "band_of",
    "bounds_of",
    "bucket_of",
    "class_of",
    "contributions",
    "hour_of",
    "latest_decisions",
    "merged",
    "queue_left_at",
    "seconds_between",
    "total",
    "turned_back_at",
]

# Counted per key: the columns of the hourly counts, in this order.
COUNTS = (
    "made",
    "cancelled",
    "lapsed",
    "walk_ins",
    "checked_in",
    "called",
    "exited",
    "turned_back",
    "expired",
)


@dataclass(frozen=True, slots=True, order=True)
class Key:
    """Where a contribution is counted: gate id, direction, UTC hour start, class."""

    gate_id: str
    direction: str
    hour: datetime
    queue_class: str


@dataclass(frozen=True, slots=True)
class AgencyTime:
    """A decision of an agency, when it was made, and whether it turned the truck back."""

    agency: str
    decided_at: datetime
    rejected: bool = False


@dataclass(frozen=True, slots=True)
class BookingFacts:
    """What of a booking the statistics read (times aware, any zone)."""

    gate_id: str
    direction: str
    slot_start: datetime
    status: str
    perishable: bool
    queue_class: str | None
    walk_in: bool
    arrived_at: datetime | None = None
    called_at: datetime | None = None
    inspection_started_at: datetime | None = None
    exited_at: datetime | None = None
    predicted_call_at: datetime | None = None
    decisions: tuple[AgencyTime, ...] = ()
    fee: FeeFacts | None = None  # its crossing's fee (gate/domain/fee_statistics.py)


@dataclass(slots=True)
class Contributions:
    """One booking's (or many summed): counts per key and column, per key, measure and
    bucket a pair ``(count, sum of seconds)``, and its fee's totals per day and column."""

    counts: dict[tuple[Key, str], int] = field(default_factory=dict)
    times: dict[tuple[Key, str, int], tuple[int, int]] = field(default_factory=dict)
    fees: FeeTotals = field(default_factory=dict)

    def count(self, key: Key, column: str, amount: int = 1) -> None:
        self.counts[key, column] = self.counts.get((key, column), 0) + amount

    def time(self, key: Key, measure: str, seconds: int) -> None:
        slot = (key, measure, bucket_of(measure, seconds))
        count, total = self.times.get(slot, (0, 0))
        self.times[slot] = (count + 1, total + seconds)

    def add(self, other: Contributions, sign: int = 1) -> None:
        """Add ``other`` (``sign`` -1: take it away); entries that reach zero are dropped."""
        _add_counts(self.counts, other.counts, sign)
        _add_counts(self.fees, other.fees, sign)
        for bucket, (count, total) in other.times.items():
            old_count, old_total = self.times.get(bucket, (0, 0))
            new = (old_count + sign * count, old_total + sign * total)
            if new != (0, 0):
                self.times[bucket] = new
            else:
                self.times.pop(bucket, None)


def _add_counts(mine: dict[Any, int], theirs: dict[Any, int], sign: int) -> None:
    for slot, amount in theirs.items():
        value = mine.get(slot, 0) + sign * amount
        if value:
            mine[slot] = value
        else:
            mine.pop(slot, None)


def hour_of(moment: datetime) -> datetime:
    """The UTC hour ``moment`` falls in, as its start."""
    return as_utc(moment).replace(minute=0, second=0, microsecond=0)


def seconds_between(start: datetime, end: datetime) -> int:
    """Whole seconds from ``start`` to ``end`` (rounded down; negative when end is first)."""
    return int((as_utc(end) - as_utc(start)) // timedelta(seconds=1))


def class_of(facts: BookingFacts) -> str:
    """The queue class it was served in, or before check-in its cargo's (see the module)."""
    if facts.queue_class:
        return facts.queue_class
    return "perishable" if facts.perishable else "regular"


def contributions(facts: BookingFacts) -> Contributions:
    """What one booking adds to the rollups (the module's docstring says which hour)."""
    out = Contributions()
    queue_class = class_of(facts)

    def key(moment: datetime) -> Key:
        return Key(facts.gate_id, facts.direction, hour_of(moment), queue_class)

    slot = key(facts.slot_start)
    out.count(slot, "made")
    if facts.status == "cancelled":
        out.count(slot, "cancelled")
    if facts.status == "no_show":
        out.count(slot, "lapsed")
    if facts.walk_in:
        out.count(slot, "walk_ins")
    if facts.arrived_at is not None:
        out.count(key(facts.arrived_at), "checked_in")
    if facts.called_at is not None:
        out.count(key(facts.called_at), "called")
    if facts.exited_at is not None:
        out.count(key(facts.exited_at), "exited")
    left_queue = queue_left_at(facts)
    if facts.arrived_at is not None and left_queue is not None:
        waited = seconds_between(facts.arrived_at, left_queue)
        out.time(key(facts.arrived_at), Measure.WAIT_FOR_CALL, waited)
        out.time(key(left_queue), Measure.WAIT_ENDED, waited)
        if facts.status == "expired":
            out.count(key(left_queue), "expired")
    if facts.called_at is not None and facts.exited_at is not None:
        out.time(
            key(facts.called_at),
            Measure.CALL_TO_EXIT,
            seconds_between(facts.called_at, facts.exited_at),
        )
    if facts.status == "rejected":
        refused = turned_back_at(facts)
        out.count(key(refused or facts.called_at or facts.slot_start), "turned_back")
        if refused is not None and facts.called_at is not None:
            taken = seconds_between(facts.called_at, refused)
            out.time(key(facts.called_at), Measure.CALL_TO_TURN_BACK, taken)
    if None not in (facts.arrived_at, facts.called_at, facts.predicted_call_at):
        assert facts.arrived_at and facts.called_at and facts.predicted_call_at
        error = seconds_between(facts.predicted_call_at, facts.called_at)
        out.time(key(facts.arrived_at), Measure.FORECAST_ERROR, error)
    if facts.inspection_started_at is not None:
        lane = key(facts.inspection_started_at)
        for decision in latest_decisions(facts.decisions):
            taken = seconds_between(facts.inspection_started_at, decision.decided_at)
            out.time(lane, agency_measure(decision.agency), taken)
    if facts.fee is not None:
        out.fees = fee_totals(facts.fee)
    return out


def queue_left_at(facts: BookingFacts) -> datetime | None:
    """When the truck's wait for a call ended: for a truck the queue let go uncalled
    (``expired``) the end of ``QUEUE_ENTRY_LIFETIME`` after check-in, else its call; None
    while it waits (or never checked in). Expiry first: a truck re-queued after a missed
    call keeps that call's time (gate/yard/service.py::sweep_missed_calls), and let go
    later it was counted expired in that call's hour with a wait of minutes."""
    if facts.status == "expired" and facts.arrived_at is not None:
        return as_utc(facts.arrived_at) + QUEUE_ENTRY_LIFETIME
    return facts.called_at


def turned_back_at(facts: BookingFacts) -> datetime | None:
    """When an agency turned the truck back: its first refusing decision (a refusal is
    final, gate/domain/clearance.py); None when none is on record."""
    refusals = [as_utc(d.decided_at) for d in facts.decisions if d.rejected]
    return min(refusals) if refusals else None


def latest_decisions(decisions: Iterable[AgencyTime]) -> list[AgencyTime]:
    """Each agency's latest decision (the one that counts, gate/domain/clearance.py), by
    agency; of two at the same instant the later in ``decisions``' order."""
    latest: dict[str, AgencyTime] = {}
    for decision in decisions:
        held = latest.get(decision.agency)
        if held is None or as_utc(decision.decided_at) >= as_utc(held.decided_at):
            latest[decision.agency] = decision
    return [latest[agency] for agency in sorted(latest)]


def total(parts: Iterable[Contributions]) -> Contributions:
    """The sum of many bookings' contributions."""
    out = Contributions()
    for part in parts:
        out.add(part)
    return out

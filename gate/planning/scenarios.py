"""Scenarios ("what if"): small changes to a day's plan, written as the command line and the
page take them: ``+1@14:00`` (one more lane from 14:00; ``-1@16:00`` one fewer; a change
closing more lanes than are open then is refused), capacity ``0.5`` (the other side takes
half as many trucks each hour), ``300:perishable`` (exactly 300 more trucks of that class,
at random times by the class's usual pattern; today from now on only)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from gate.domain.errors import ValidationFailed
from gate.domain.queue import QueueClass
from gate.planning.model import DayPlan, DrawnArrivals, LaneHours
from gate.planning.notes import Note, note

_LANES = re.compile(r"([+-])([0-9]{1,2})@([0-9]{1,2}):([0-9]{2})")
_EXTRA = re.compile(r"([0-9]{1,5}):([a-z]+)")
MAX_CAPACITY_FACTOR = 10.0
# The most extra trucks a scenario adds: a what-if about a day, several busy days' worth of
# one direction, and a bound on the CPU one question costs (about a second per thousand
# trucks at 20 replications on the 2-core machine of docs/benchmarks.md).
MAX_EXTRA_TRUCKS = 3000


@dataclass(frozen=True, slots=True)
class LaneChange:
    """``count`` lanes more (negative: fewer) from ``minute`` into the day."""

    count: int
    minute: float

    @classmethod
    def parse(cls, text: str) -> LaneChange:
        """Read ``+1@14:00`` or ``-2@16:30``; ValidationFailed on ``lanes`` otherwise."""
        found = _LANES.fullmatch(text.strip())
        if found is None or int(found[3]) > 23 or int(found[4]) > 59 or int(found[2]) == 0:
            raise ValidationFailed(
                f"write a lane change as +1@14:00 or -1@16:00, not {text.strip()!r}",
                field="lanes",
            )
        sign = 1 if found[1] == "+" else -1
        return cls(sign * int(found[2]), int(found[3]) * 60 + int(found[4]))


@dataclass(frozen=True, slots=True)
class ExtraTrucks:
    """``count`` more trucks of ``queue_class`` over the day."""

    count: int
    queue_class: QueueClass

    @classmethod
    def parse(cls, text: str) -> ExtraTrucks:
        """Read ``300:perishable``; ValidationFailed on ``extra`` otherwise."""
        found = _EXTRA.fullmatch(text.strip().lower())
        known = ", ".join(member.value for member in QueueClass)
        if found is None or found[2] not in set(QueueClass):
            raise ValidationFailed(
                f"write extra trucks as 300:perishable (classes: {known}), not {text.strip()!r}",
                field="extra",
            )
        if int(found[1]) > MAX_EXTRA_TRUCKS:
            raise ValidationFailed(
                f"at most {MAX_EXTRA_TRUCKS} extra trucks, not {found[1]}", field="extra"
            )
        return cls(int(found[1]), QueueClass(found[2]))


@dataclass(frozen=True, slots=True)
class Scenario:
    """Changes to a day: lanes opened or closed, the other side's hourly capacity times
    ``capacity``, extra trucks. The empty scenario is the day as measured."""

    lanes: tuple[LaneChange, ...] = ()
    capacity: float = 1.0
    extra: tuple[ExtraTrucks, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.capacity <= MAX_CAPACITY_FACTOR:
            raise ValidationFailed(
                f"capacity is a factor from 0 to {MAX_CAPACITY_FACTOR:g}, e.g. 0.5 for half",
                field="capacity",
            )
        # The bound is on the scenario, not each part: ``--extra`` repeated added 3000 a time.
        added = sum(more.count for more in self.extra)
        if added > MAX_EXTRA_TRUCKS:
            raise ValidationFailed(
                f"at most {MAX_EXTRA_TRUCKS} extra trucks in all, not {added}", field="extra"
            )

    @classmethod
    def parse(
        cls,
        lanes: list[str] | None = None,
        capacity: str | None = None,
        extra: list[str] | None = None,
    ) -> Scenario:
        """A scenario from its written parts (the command line's options, the page's fields)."""
        factor = 1.0
        if capacity is not None and capacity.strip():
            try:
                factor = float(capacity)
            except ValueError:
                raise ValidationFailed(
                    f"capacity is a number such as 0.5, not {capacity.strip()!r}", field="capacity"
                ) from None
            if factor != factor:  # NaN
                raise ValidationFailed("capacity is a number such as 0.5", field="capacity")
        return cls(
            lanes=tuple(LaneChange.parse(text) for text in lanes or () if text.strip()),
            capacity=factor,
            extra=tuple(ExtraTrucks.parse(text) for text in extra or () if text.strip()),
        )

    def __str__(self) -> str:
        parts = [f"lanes {change.count:+d}@{_clock(change.minute)}" for change in self.lanes]
        if self.capacity != 1.0:
            parts.append(f"capacity x{self.capacity:g}")
        parts += [f"+{more.count} {more.queue_class.value}" for more in self.extra]
        return ", ".join(parts) or "as measured"


def _clock(minute: float) -> str:
    return f"{int(minute // 60):02d}:{int(minute % 60):02d}"


def apply(
    plan: DayPlan, scenario: Scenario, usual: Mapping[QueueClass, Sequence[float]] | None = None
) -> DayPlan:
    """``plan`` changed by ``scenario``.

    A lane opened at a time stays open to the latest closing of the day's lanes after that
    time (the day's end when none is open then), with the pooled service times. A lane closed
    at a time is the last one (by code) open then: it finishes its truck and calls no more;
    closing more lanes than are open then is refused (ValidationFailed on ``lanes``, its
    extensions ``lanes_open``, ``closing`` and ``minute`` for the page's words). Extra
    trucks are exactly the number asked in every replication (``DrawnArrivals``), each at a
    time drawn by ``spread``: the hours in which trucks of their class usually arrive
    (``usual``: per class, trucks per hour of the day over the days measured; the plan's
    own arrivals when not given), from the plan's start on (today: from now)."""
    lanes = list(plan.lanes)
    for change in sorted(scenario.lanes, key=lambda c: c.minute):
        lanes = _open(lanes, change, plan.hours) if change.count > 0 else _close(lanes, change)
    crossings = tuple(
        None if limit is None else round(limit * scenario.capacity)
        for limit in plan.crossings_per_hour
    )
    drawn = tuple(
        DrawnArrivals(more.queue_class, more.count, spread(plan, more.queue_class, usual)[0])
        for more in scenario.extra
    )
    return replace(plan, lanes=tuple(lanes), crossings_per_hour=crossings, drawn=plan.drawn + drawn)


def extra_notes(
    plan: DayPlan, scenario: Scenario, usual: Mapping[QueueClass, Sequence[float]], days: int
) -> list[Note]:
    """The notes saying how ``scenario``'s extra trucks come (gate/planning/notes.py): by
    which pattern (``spread``, over the ``days`` measured), and that they are exactly the
    number asked, at random times from the plan's start (hour and minute) on."""
    found: list[Note] = []
    for more in scenario.extra:
        found.append(note(spread(plan, more.queue_class, usual)[1], days=days))
        start = int(plan.start)
        found.append(note("extra_exact", count=more.count, hour=start // 60, minute=start % 60))
    return found


def spread(
    plan: DayPlan, queue_class: QueueClass, usual: Mapping[QueueClass, Sequence[float]] | None
) -> tuple[tuple[float, ...], str]:
    """Each hour's share of extra trucks of ``queue_class`` (summing to 1), and the note
    saying why (gate/planning/notes.py): the class's own measured arrivals per hour
    (``extra_class``); else, when the class has none, every class's together
    (``extra_direction``); else evenly over the hours some lane is open (``extra_even``,
    every hour when none is). Only the time from the plan's start on counts (today: from
    now): each hour weighs by the part of it left, and a pattern with nothing left falls
    to the next rule."""
    left = [min(1.0, max(0.0, ((h + 1) * 60 - plan.start) / 60)) for h in range(plan.hours)]
    pattern = _own_arrivals(plan) if usual is None else usual
    own = _ahead(pattern.get(queue_class, ()), left)
    if sum(own):
        return _shares(own), "extra_class"
    every = [sum(counts[hour] for counts in pattern.values()) for hour in range(plan.hours)]
    if sum(_ahead(every, left)):
        return _shares(_ahead(every, left)), "extra_direction"
    open_hours = _ahead([
        1.0 if any(s < (h + 1) * 60 and h * 60 < e for lane in plan.lanes for s, e in lane.open)
        else 0.0
        for h in range(plan.hours)
    ], left)  # fmt: skip
    return _shares(open_hours if sum(open_hours) else left), "extra_even"


def _ahead(counts: Sequence[float], left: Sequence[float]) -> list[float]:
    """``counts`` per hour, each times the part of its hour left (none for hours over)."""
    return [count * part for count, part in zip(counts, left, strict=False)]


def _shares(counts: Sequence[float]) -> tuple[float, ...]:
    total = sum(counts)
    return tuple(count / total for count in counts)


def _own_arrivals(plan: DayPlan) -> dict[QueueClass, list[float]]:
    """The plan's arrivals per class and hour, fixed and expected together."""
    counts: dict[QueueClass, list[float]] = {}
    for queue_class, per_hour in plan.arrivals_per_hour.items():
        counts[queue_class] = list(per_hour)
    for arrival in plan.arrivals:
        per_class = counts.setdefault(arrival.queue_class, [0.0] * plan.hours)
        per_class[int(arrival.minute // 60)] += 1
    return counts


def _open(lanes: list[LaneHours], change: LaneChange, hours: int) -> list[LaneHours]:
    closes = [end for lane in lanes for _, end in lane.open if end > change.minute]
    until = max(closes, default=hours * 60)
    taken = {lane.code for lane in lanes}
    added: list[LaneHours] = []
    number = 1
    while len(added) < change.count:
        code = f"+{number}"
        if code not in taken:
            added.append(LaneHours(code, ((change.minute, until),)))
        number += 1
    return lanes + added


def _close(lanes: list[LaneHours], change: LaneChange) -> list[LaneHours]:
    at = change.minute
    open_then = sorted(
        (lane for lane in lanes if any(start <= at < end for start, end in lane.open)),
        key=lambda lane: lane.code,
    )
    if -change.count > len(open_then):
        raise ValidationFailed(
            f"at {_clock(at)} {len(open_then)} lane(s) are open: {-change.count} cannot be "
            "closed (a direction has no fewer than zero lanes)",
            field="lanes",
            lanes_open=len(open_then),
            closing=-change.count,
            minute=int(at),
        )
    closing = {lane.code for lane in open_then[len(open_then) + change.count :]}
    return [
        LaneHours(
            lane.code,
            tuple((start, min(end, at)) for start, end in lane.open if start < at),
        )
        if lane.code in closing
        else lane
        for lane in lanes
    ]

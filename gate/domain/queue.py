"""The yard queue (hàng chờ trong bãi kiểm soát): who an officer calls to a lane next.

Vehicles that checked in wait in one queue per gate and direction. The order is a policy set
per gate: priority classes served in a repeating cycle (e.g. 1 perishable : 1 aeo : 5
regular), and within a class first the vehicles whose cargo carries a spoil-by, earliest
spoil-by first (issue 18: only perishable cargo carries one, so in practice the perishable
class), then on-time vehicles before those behind, then by slot, arrival and id. The only
state the policy keeps between calls is ``position``, the next turn in the cycle, which the
caller persists with the queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from gate.domain.errors import ValidationFailed
from gate.domain.time import as_utc

MAX_SHARE = 100
_NO_SPOIL_BY = datetime.min.replace(tzinfo=UTC)


class QueueClass(StrEnum):
    """Priority classes of the yard queue."""

    PERISHABLE = "perishable"  # luồng xanh for fresh fruit and other perishable cargo
    AEO = "aeo"  # doanh nghiệp ưu tiên: an Authorised Economic Operator
    REGULAR = "regular"


def queue_class_of(*, perishable: bool, aeo: bool) -> QueueClass:
    """The class a truck queues in: perishable cargo first (luồng xanh), then an AEO's
    truck, then regular. One rule for the control yard's check-in and the waiting yards."""
    if perishable:
        return QueueClass.PERISHABLE
    if aeo:
        return QueueClass.AEO
    return QueueClass.REGULAR


@dataclass(frozen=True, slots=True)
class ServiceCycle:
    """How many vehicles of each class are called per round, in order.

    ``shares`` holds ``(class, count)`` pairs, e.g. ``((PERISHABLE, 1), (AEO, 1),
    (REGULAR, 5))``; its text form is ``"perishable:1,aeo:1,regular:5"``.
    """

    shares: tuple[tuple[QueueClass, int], ...]

    def __post_init__(self) -> None:
        if not self.shares:
            raise ValidationFailed(
                "a service cycle names at least one class", field="service_cycle"
            )
        seen: set[QueueClass] = set()
        for queue_class, count in self.shares:
            if queue_class in seen:
                raise ValidationFailed(
                    f"the class {queue_class.value} appears twice in the service cycle",
                    field="service_cycle",
                )
            seen.add(queue_class)
            if not 1 <= count <= MAX_SHARE:
                raise ValidationFailed(
                    f"a class is served 1 to {MAX_SHARE} times per cycle, not {count}",
                    field="service_cycle",
                )

    @classmethod
    def parse(cls, text: str) -> ServiceCycle:
        """Read ``"perishable:1,aeo:1,regular:5"``; spaces and letter case do not matter."""
        shares: list[tuple[QueueClass, int]] = []
        for part in text.split(","):
            name, colon, count = part.partition(":")
            name = name.strip().lower()
            count = count.strip()
            if not colon or not name or not count:
                raise ValidationFailed(
                    f"write each share as class:count, e.g. regular:5, not {part.strip()!r}",
                    field="service_cycle",
                )
            try:
                queue_class = QueueClass(name)
            except ValueError:
                known = ", ".join(member.value for member in QueueClass)
                raise ValidationFailed(
                    f"unknown queue class {name!r}; the classes are {known}", field="service_cycle"
                ) from None
            # int() would also take "+5", "1_0" and non-ASCII digits; a setting is plain digits.
            if not (count.isascii() and count.isdecimal()):
                raise ValidationFailed(
                    f"the count of {name} must be a whole number, not {count!r}",
                    field="service_cycle",
                )
            shares.append((queue_class, int(count)))
        return cls(tuple(shares))

    def __str__(self) -> str:
        return ",".join(f"{queue_class.value}:{count}" for queue_class, count in self.shares)

    @property
    def turns(self) -> tuple[QueueClass, ...]:
        """The cycle expanded to one class per call: 1:1:5 gives 7 turns."""
        return tuple(queue_class for queue_class, count in self.shares for _ in range(count))

    @property
    def classes(self) -> tuple[QueueClass, ...]:
        """The classes of the cycle, in cycle order."""
        return tuple(queue_class for queue_class, _ in self.shares)

    def classes_outside(self) -> tuple[QueueClass, ...]:
        """Classes the cycle leaves out, in enum order: served only when the cycle has no one."""
        inside = set(self.classes)
        return tuple(queue_class for queue_class in QueueClass if queue_class not in inside)


DEFAULT_CYCLE = ServiceCycle.parse("perishable:1,aeo:1,regular:5")


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One vehicle waiting in the yard.

    ``behind`` marks a vehicle that lost its place in time: it arrived late, came without a
    booking, or was re-queued after missing a call. ``spoil_by``: the instant its perishable
    cargo spoils (None: none declared). ``held``: it may not be called to a lane now (its fee
    is unpaid, issue 19): :func:`next_turn` passes over it, yet it keeps its place in
    :func:`service_order`. Times are aware; they are kept in UTC.
    """

    id: str
    queue_class: QueueClass
    behind: bool
    slot_start: datetime
    arrived_at: datetime
    spoil_by: datetime | None = None
    held: bool = False

    def __post_init__(self) -> None:
        # A naive time would make sorting raise TypeError deep inside the policy; refuse it here.
        object.__setattr__(self, "slot_start", as_utc(self.slot_start))
        object.__setattr__(self, "arrived_at", as_utc(self.arrived_at))
        if self.spoil_by is not None:
            object.__setattr__(self, "spoil_by", as_utc(self.spoil_by))

    def sort_key(self) -> tuple[bool, datetime, bool, datetime, datetime, str]:
        """The order within a class: a vehicle with a spoil-by before one without, the
        earliest spoil-by first (issue 18, "Perishables first by deadline"); then on time
        first, then slot, then arrival, then id. The same order as ``ix_bookings_queue_order``
        (gate/yard/counts.py)."""
        # False sorts before True: a spoil-by before none, on time before behind. Without a
        # spoil-by a constant stands in its place: the same for all of them, it decides nothing.
        spoil_by = _NO_SPOIL_BY if self.spoil_by is None else self.spoil_by
        return (
            self.spoil_by is None,
            spoil_by,
            self.behind,
            self.slot_start,
            self.arrived_at,
            self.id,
        )


def _group_by_class(entries: Iterable[QueueEntry]) -> dict[QueueClass, list[QueueEntry]]:
    """Entries per class, refusing a repeated id (positions are reported per id)."""
    groups: dict[QueueClass, list[QueueEntry]] = {queue_class: [] for queue_class in QueueClass}
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise ValidationFailed(f"the entry {entry.id!r} is in the queue twice", field="id")
        seen.add(entry.id)
        groups[entry.queue_class].append(entry)
    return groups


def next_turn(
    entries: Sequence[QueueEntry], cycle: ServiceCycle, position: int
) -> tuple[QueueEntry, int] | None:
    """The vehicle to call next and the position after calling it; None when nobody waits.

    The turn at ``position`` (taken modulo the number of turns) goes to its class; when that
    class has nobody waiting, the turn passes along the cycle to the first class that has
    someone, and the position moves past the skipped turns too. When no class of the cycle
    has anyone, a class outside the cycle is served and the position stays where it was.

    A ``held`` entry is passed over as if it were not waiting (the unpaid-fee rule, issue 19:
    docs/architecture.md "Fees and payment: the unpaid-fee rule"): the turn goes to the next
    of its class, or on along the cycle. Its sort key is untouched, so once released it is
    the first of its class again wherever it stood, and is called at its class's next turn.
    """
    groups = {
        queue_class: [entry for entry in waiting if not entry.held]
        for queue_class, waiting in _group_by_class(entries).items()
    }
    turns = cycle.turns
    start = position % len(turns)
    for step in range(len(turns)):
        index = (start + step) % len(turns)
        waiting = groups[turns[index]]
        if waiting:
            return min(waiting, key=QueueEntry.sort_key), (index + 1) % len(turns)
    for queue_class in cycle.classes_outside():
        waiting = groups[queue_class]
        if waiting:
            return min(waiting, key=QueueEntry.sort_key), start
    return None


def service_order(
    entries: Sequence[QueueEntry], cycle: ServiceCycle, position: int
) -> list[QueueEntry]:
    """Everyone waiting, in the order they would be called if nobody else arrived and every
    ``held`` entry were released before its turn: a held truck keeps its place here (the
    place it is shown, and is called from once its fee is paid).

    The same as calling :func:`next_turn` and removing the vehicle it chose until the yard is
    empty, in O(n log n): each class is sorted once and the cycle is walked with a table of
    the next turn whose class still has someone, rebuilt only when a class runs out.
    """
    groups = _group_by_class(entries)
    for waiting in groups.values():
        waiting.sort(key=QueueEntry.sort_key)
    turns = cycle.turns
    length = len(turns)
    served = dict.fromkeys(QueueClass, 0)
    remaining = {queue_class: len(groups[queue_class]) for queue_class in cycle.classes}
    order: list[QueueEntry] = []
    index = position % length
    while any(remaining.values()):
        # Walking turn by turn would cost up to the cycle length per call once a large
        # class runs out (regular:1 against perishable:100); the table makes each call O(1).
        next_live = _next_live_turns(turns, {c for c, left in remaining.items() if left})
        while True:
            index = next_live[index]
            queue_class = turns[index]
            order.append(groups[queue_class][served[queue_class]])
            served[queue_class] += 1
            remaining[queue_class] -= 1
            index = (index + 1) % length
            if not remaining[queue_class]:
                break
    for queue_class in cycle.classes_outside():
        order.extend(groups[queue_class])
    return order


def _next_live_turns(turns: Sequence[QueueClass], live: set[QueueClass]) -> list[int]:
    """For each turn, the first turn from it on (cyclically) whose class is in ``live``."""
    length = len(turns)
    table = [0] * length
    following: int | None = None
    # Two passes backwards so that the turns after the last live one wrap to the first.
    for index in reversed(range(2 * length)):
        turn = index % length
        if turns[turn] in live:
            following = turn
        if index < length:
            assert following is not None, "called only while some class of the cycle is live"
            table[turn] = following
    return table


def queue_positions(
    entries: Sequence[QueueEntry], cycle: ServiceCycle, position: int
) -> dict[str, int]:
    """The 1-based place of each entry id in :func:`service_order`: what a driver is shown."""
    return {
        entry.id: place
        for place, entry in enumerate(service_order(entries, cycle, position), start=1)
    }


def place_by_counts(
    waiting: Mapping[QueueClass, int],
    queue_class: QueueClass,
    ahead_in_class: int,
    cycle: ServiceCycle,
    position: int,
) -> int:
    """The 1-based place of a vehicle from counts alone: ``waiting`` vehicles per class (the
    vehicle itself included) and ``ahead_in_class`` of its own class before it. The same
    answer as :func:`queue_positions`, without loading the queue: the check-in hot path needs
    one vehicle's place, not everyone's."""
    remaining = {c: waiting.get(c, 0) for c in QueueClass}
    if not 0 <= ahead_in_class < remaining[queue_class]:
        raise ValueError("the vehicle must be among the waiting ones of its class")
    turns = cycle.turns
    shares = dict(cycle.shares)
    outside = cycle.classes_outside()
    served_of_class = 0
    place = 0
    index = position % len(turns)
    while True:
        live = [c for c in cycle.classes if remaining[c] > 0]
        if not live:
            # Only classes outside the cycle are left: each is served whole, in order.
            for other in outside:
                if other is queue_class:
                    return place + ahead_in_class - served_of_class + 1
                place += remaining[other]
            raise AssertionError("the vehicle's class was served out before it")
        # A queue of thousands would take thousands of steps one call at a time: skip whole
        # rounds of the cycle at once, while no class runs out and the vehicle is not reached.
        # A round serves each live class its share and leaves the cycle where it was.
        rounds = min(remaining[c] // shares[c] for c in live)
        if queue_class in live:
            rounds = min(rounds, (ahead_in_class - served_of_class) // shares[queue_class])
        if rounds:
            for c in live:
                remaining[c] -= rounds * shares[c]
            place += rounds * sum(shares[c] for c in live)
            if queue_class in live:
                served_of_class += rounds * shares[queue_class]
        # Then one round call by call, where a class may run out or the vehicle's turn come.
        for _ in range(len(turns)):
            chosen = None
            for step in range(len(turns)):
                candidate = turns[(index + step) % len(turns)]
                if remaining[candidate] > 0:
                    chosen, index = candidate, (index + step + 1) % len(turns)
                    break
            if chosen is None:
                break
            place += 1
            if chosen is queue_class:
                if served_of_class == ahead_in_class:
                    return place
                served_of_class += 1
            remaining[chosen] -= 1

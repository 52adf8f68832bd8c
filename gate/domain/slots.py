"""Crossing slots (khung giờ qua cửa khẩu): one hour at one gate in one direction.

A slot's capacity comes from the gate's calendar: the hourly capacity of the direction within
its opening hours, an administrator's override for that very hour, and closures (a holiday,
the other side's closure), which win over everything; then the partner gate's announced
capacity, when it is smaller (gate/domain/partner.py: the bookable capacity is the smaller
of ours and theirs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gate.domain.errors import DomainError, InvalidSlot, SlotClosed, SlotFull, ValidationFailed
from gate.domain.partner import bookable
from gate.domain.time import SLOT_LENGTH, as_local, as_utc, floor_to_slot

DEFAULT_HORIZON = timedelta(days=14)


class Direction(StrEnum):
    """Xuất (export, Vietnam to China) and nhập (import, China to Vietnam)."""

    EXPORT = "export"
    IMPORT = "import"


def check_opening_hours(opens_at: int, closes_at: int) -> None:
    """Refuse (ValidationFailed on ``closes_at``) an ordinary day that opens and closes at
    the same hour: 0 to 0, 24 to 24, 6 to 6.

    Such a day reads both as "round the clock" and as "never open", and either guess would
    open or shut a border gate by accident. Round the clock is written 0 to 24; a direction
    that takes nobody has hourly capacity 0, or a closure with its reason. Hours are local
    (Asia/Ho_Chi_Minh), 0 to 24; opens_at after closes_at is an overnight day (20 to 6).
    """
    if opens_at == closes_at:
        raise ValidationFailed(
            f"opens_at and closes_at are both {opens_at}: write 0 to 24 for round the clock; "
            "close a direction with hourly_capacity 0 or a closure",
            field="closes_at",
        )


@dataclass(frozen=True, slots=True)
class DirectionSchedule:
    """The ordinary day of one direction: open from ``opens_at`` to ``closes_at`` local hour.

    A day from an hour to the same hour is refused when set (``check_opening_hours``); one
    stored before that rule is never open, as it always was.
    """

    hourly_capacity: int
    opens_at: int = 0
    closes_at: int = 24

    def is_open_at(self, local_hour: int) -> bool:
        if self.opens_at <= self.closes_at:
            return self.opens_at <= local_hour < self.closes_at
        # An overnight schedule such as 20:00 to 06:00.
        return local_hour >= self.opens_at or local_hour < self.closes_at


@dataclass(frozen=True, slots=True)
class Closure:
    """A span when the gate takes no vehicle in a direction (or both, when direction is None)."""

    starts_at: datetime
    ends_at: datetime
    reason: str
    direction: Direction | None = None

    def covers(self, slot_start: datetime, direction: Direction) -> bool:
        if self.direction is not None and self.direction != direction:
            return False
        return self.starts_at < slot_start + SLOT_LENGTH and slot_start < self.ends_at


@dataclass(frozen=True, slots=True)
class SlotCapacity:
    """An hour's places; ``closed_reason`` when a closure (or the hours) gives it none;
    ``limited_by`` ``"partner"`` when the partner gate's announcement is what limits it."""

    capacity: int
    closed_reason: str | None = None
    limited_by: str | None = None


def capacity_of_slot(
    slot_start: datetime,
    direction: Direction,
    schedule: DirectionSchedule,
    override: int | None,
    closures: list[Closure],
    partner: int | None = None,
) -> SlotCapacity:
    """The places a slot offers under the calendar: ours (closures, the hour's override, the
    ordinary day), or the partner gate's announced capacity ``partner`` for the hour when it
    is smaller (None: no announcement; ``gate.domain.partner.bookable``)."""
    ours = _our_capacity(slot_start, direction, schedule, override, closures)
    both = bookable(ours.capacity, ours.closed_reason, partner)
    return SlotCapacity(both.capacity, both.closed_reason, both.limited_by)


def _our_capacity(
    slot_start: datetime,
    direction: Direction,
    schedule: DirectionSchedule,
    override: int | None,
    closures: list[Closure],
) -> SlotCapacity:
    for closure in closures:
        if closure.covers(slot_start, direction):
            return SlotCapacity(0, closure.reason)
    if override is not None:
        return SlotCapacity(override)
    if not schedule.is_open_at(as_local(slot_start).hour):
        return SlotCapacity(0, "outside opening hours")
    return SlotCapacity(schedule.hourly_capacity)


def check_bookable_start(
    slot_start: datetime, now: datetime, horizon: timedelta = DEFAULT_HORIZON
) -> datetime:
    """Validate a requested slot start and return it in UTC.

    A slot is bookable from the hour that is running now (a truck may still make it) up to
    the bookable horizon.
    """
    start = as_utc(slot_start)
    if start != floor_to_slot(start):
        raise InvalidSlot(
            "a slot starts on the hour, e.g. 2026-12-01T08:00:00+07:00", why="slot-not-on-hour"
        )
    if start < floor_to_slot(now):
        raise InvalidSlot("that slot is in the past", why="slot-past")
    if start >= now + horizon:
        days = horizon.days
        raise InvalidSlot(
            f"slots can be booked at most {days} days ahead",
            why="slot-beyond-horizon",
            horizon_days=days,
        )
    return start


def remaining_places(capacity: int, booked: int) -> int:
    """Free places; never negative, even after a closure cut a slot already booked."""
    return max(0, capacity - booked)


def booking_refusal(
    slot_start: datetime,
    now: datetime,
    capacity: int,
    booked: int,
    closed_reason: str | None,
    horizon: timedelta = DEFAULT_HORIZON,
) -> DomainError | None:
    """The refusal a booking of the slot starting at ``slot_start`` would meet at ``now``
    (InvalidSlot, SlotClosed or SlotFull), or None when a place would be taken.

    The very rules booking applies (``check_bookable_start``, then the room the store's
    conditional update enforces atomically), so that availability, which marks each hour with
    this, never offers an hour that booking would refuse. A closure answers SlotClosed with its
    reason; an hour overridden to capacity 0 without one is full.
    """
    try:
        check_bookable_start(slot_start, now, horizon)
    except InvalidSlot as refusal:
        return refusal
    if closed_reason is not None and capacity == 0:
        return SlotClosed(f"the gate is closed in that slot: {closed_reason}")
    if booked >= capacity:
        return SlotFull("the slot has no free place", capacity=capacity)
    return None

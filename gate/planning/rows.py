"""The rows a simulated day is read from, besides its lanes (gate/planning/lanes.py): the
trucks booked for it, the usual arrival pattern of the days up to it, and the places per hour
its slots recorded.

Times are minutes into the local day (Asia/Ho_Chi_Minh), the simulation's clock."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from gate.domain.bookings import BookingStatus
from gate.domain.queue import QueueClass
from gate.domain.time import LOCAL_TZ, as_local, as_utc
from gate.store.tables import Booking, Gate, Slot
from gate.store.unit_of_work import UnitOfWork

# The days before a day whose rows stand in for what the day itself does not measure (its
# service times below MIN_SAMPLES, its usual arrival pattern): two weeks, so that each day of
# the week counts twice and a season's change shows within days.
HISTORY_DAYS = 14


def day_start(day: date) -> datetime:
    """The instant (UTC) the local day begins at the gates."""
    return as_utc(datetime.combine(day, time(0), tzinfo=LOCAL_TZ))


def minutes_into(moment: datetime, start: datetime) -> float:
    """Minutes from ``start`` to ``moment``."""
    return (moment - start).total_seconds() / 60


def class_of(stored: str | None, perishable: bool) -> QueueClass:
    """The queue class a booking's row says (older rows hold none: perishable or regular)."""
    if stored in set(QueueClass):
        return QueueClass(stored)
    return QueueClass.PERISHABLE if perishable else QueueClass.REGULAR


async def booked(
    uow: UnitOfWork, gate: Gate, direction: str, start: datetime, since: datetime, status: set[str]
) -> dict[QueueClass, tuple[float, ...]]:
    """Per class, the bookings in one of ``status`` whose slot starts in each hour of the
    day from ``start``, counting only the slots from ``since`` on."""
    rows = await uow.session.execute(
        select(Booking.slot_start, Booking.queue_class, Booking.perishable, func.count())
        .where(Booking.gate_id == gate.id, Booking.direction == direction)
        .where(Booking.slot_start >= since, Booking.slot_start < start + timedelta(days=1))
        .where(Booking.status.in_(sorted(status)))
        .group_by(Booking.slot_start, Booking.queue_class, Booking.perishable)
    )
    counts: dict[QueueClass, list[float]] = defaultdict(lambda: [0.0] * 24)
    for slot_start, queue_class, perishable, count in rows.all():
        hour = min(23, int(minutes_into(slot_start, start) // 60))
        counts[class_of(queue_class, perishable)][hour] += count
    # In the classes' order, not the rows': the simulation draws in this order (one seed,
    # one answer, whatever order the database returned the rows in).
    return {queue_class: tuple(per_hour) for queue_class, per_hour in sorted(counts.items())}


# A booking that will still come: booked and not cancelled, lapsed or arrived yet.
STILL_COMING = {BookingStatus.BOOKED.value}
# Every booking of the day that was not cancelled nor lapsed.
KEPT = {status.value for status in BookingStatus} - {
    BookingStatus.CANCELLED.value,
    BookingStatus.NO_SHOW.value,
    BookingStatus.EXPIRED.value,
}


async def usual_arrivals(
    uow: UnitOfWork, gate: Gate, direction: str, day: date, today: date
) -> dict[QueueClass, tuple[float, ...]]:
    """Per class, the trucks that arrived in each local hour of the day over the
    ``HISTORY_DAYS`` days up to ``day`` (that day included when it is over; never past the
    start of ``today``, whose hours are not all over): the measured arrival pattern that
    extra trucks follow (gate/planning/scenarios.py)."""
    end = day_start(min(day + timedelta(days=1), today))
    start = end - timedelta(days=HISTORY_DAYS)
    rows = await uow.session.execute(
        select(Booking.arrived_at, Booking.queue_class, Booking.perishable)
        .where(Booking.gate_id == gate.id, Booking.direction == direction)
        .where(Booking.arrived_at >= start, Booking.arrived_at < end)
    )
    counts: dict[QueueClass, list[float]] = defaultdict(lambda: [0.0] * 24)
    for arrived_at, queue_class, perishable in rows.all():
        assert arrived_at is not None  # selected by it
        counts[class_of(queue_class, perishable)][as_local(arrived_at).hour] += 1
    # In the classes' order, not the rows': the simulation draws in this order (one seed,
    # one answer, whatever order the database returned the rows in).
    return {queue_class: tuple(per_hour) for queue_class, per_hour in sorted(counts.items())}


async def recorded_places(
    uow: UnitOfWork, gate: Gate, direction: str, start: datetime
) -> Mapping[int, int]:
    """The places each hour of the day from ``start`` held as its slot recorded them, for
    the hours with a slot (materialised on a first booking; a calendar change moves the
    capacity of the slots it touches, so a past slot keeps what held that day)."""
    rows = await uow.session.execute(
        select(Slot.starts_at, Slot.capacity)
        .where(Slot.gate_id == gate.id, Slot.direction == direction)
        .where(Slot.starts_at >= start, Slot.starts_at < start + timedelta(days=1))
    )
    return {int(minutes_into(starts_at, start) // 60): capacity for starts_at, capacity in rows}

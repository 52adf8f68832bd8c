"""The yard queue's counts (``queue_counts``): how many vehicles wait per gate, direction,
class and on time or behind, and of them how many carry a spoil-by, kept by the database's
triggers on ``bookings`` (migrations 0017 and 0025), so that a place or a board is answered
without counting the yard.

A vehicle's place needs how many of its class are ahead of it. Within its class the order
is: those with a spoil-by first, earliest first (then on time before behind, slot, arrival
and id); then those without, on time before behind, then slot, arrival and id
(``QueueEntry.sort_key``, the columns of ``ix_bookings_queue_order``). Those ahead of a
vehicle without a spoil-by are every one with a spoil-by, the on-time ones without (for a
vehicle behind), and the rest of its part without one less those from it to the back of it;
those ahead of a vehicle with a spoil-by are the class's ones with a spoil-by less those from
it to their back. Each "from it to the back" is one bounded range of the index: a truck that
joins now is at or near the back (a spoil-by truck that joins now spoils later than most of
those that waited before it), so the range holds the trucks that joined with it or after it,
whatever the size of the yard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    and_,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from gate.domain.bookings import BookingStatus
from gate.domain.queue import QueueClass
from gate.store.tables import Booking, Gate, QueueCount
from gate.store.unit_of_work import UnitOfWork

# A vehicle waiting without a class: counted as regular on the boards, ahead of no one.
NO_CLASS = ""
# (direction, class or NO_CLASS, behind) -> vehicles waiting
Counts = dict[tuple[str, str, bool], int]


@dataclass(frozen=True, slots=True)
class Parts:
    """The counts of a gate's queue per part (direction, class or NO_CLASS, behind): the
    vehicles waiting, and of them those carrying a spoil-by."""

    waiting: Counts
    with_spoil_by: Counts


def from_here_back(
    direction: Any, queue_class: Any, behind: Any, slot_start: Any, arrived_at: Any, key: Any
) -> ColumnElement[bool]:
    """Waiting vehicles without a spoil-by of a direction, class and part (on time or behind)
    from the given place in the order to the back, the place included: a range of the index
    (its ``spoil_by`` column IS NULL)."""
    return and_(
        Booking.direction == direction,
        Booking.status == BookingStatus.ARRIVED.value,
        Booking.queue_class == queue_class,
        Booking.spoil_by.is_(None),
        Booking.queue_behind == behind,
        tuple_(Booking.slot_start, Booking.arrived_at, Booking.id)
        >= tuple_(slot_start, arrived_at, key),
    )


def from_here_back_spoiling(
    direction: Any,
    queue_class: Any,
    spoil_by: Any,
    behind: Any,
    slot_start: Any,
    arrived_at: Any,
    key: Any,
) -> ColumnElement[bool]:
    """Waiting vehicles with a spoil-by of a direction and class from the given place in the
    order (spoil-by, behind, slot, arrival, id) to the back of them, the place included: a
    range of the index."""
    return and_(
        Booking.direction == direction,
        Booking.status == BookingStatus.ARRIVED.value,
        Booking.queue_class == queue_class,
        Booking.spoil_by.is_not(None),
        tuple_(
            Booking.spoil_by,
            Booking.queue_behind,
            Booking.slot_start,
            Booking.arrived_at,
            Booking.id,
        )
        >= tuple_(spoil_by, behind, slot_start, arrived_at, key),
    )


def ahead_in_class(
    parts: Parts,
    direction: str,
    queue_class: str,
    behind: bool,
    back: int,
    *,
    with_spoil_by: bool = False,
) -> int:
    """Vehicles of the class ahead of one that has ``back`` from it to the back of its range
    (itself included; :func:`from_here_back_spoiling` for a vehicle ``with_spoil_by``, else
    :func:`from_here_back`): every one with a spoil-by less its range for the one that has
    one; else every one with a spoil-by, every on-time one without for a vehicle behind, and
    the rest of its part without one."""
    spoiling = parts.with_spoil_by.get((direction, queue_class, False), 0)
    spoiling += parts.with_spoil_by.get((direction, queue_class, True), 0)
    if with_spoil_by:
        return spoiling - back

    def without(part_behind: bool) -> int:
        part = (direction, queue_class, part_behind)
        return parts.waiting.get(part, 0) - parts.with_spoil_by.get(part, 0)

    on_time_first = without(False) if behind else 0
    return spoiling + on_time_first + without(behind) - back


def per_class(counts: Counts, direction: str) -> dict[QueueClass, int]:
    """The waiting vehicles of a direction per class, the classless counted as regular (as
    the boards always counted them)."""
    waiting = dict.fromkeys(QueueClass, 0)
    for (d, queue_class, _), count in counts.items():
        if d == direction:
            waiting[QueueClass(queue_class or QueueClass.REGULAR)] += count
    return waiting


def counts_lock_key(gate_id: str) -> str:
    """The key of ``gate_id``'s queue-count lock (``hashtextextended`` of it is the advisory
    lock's number, as in migration 0017's triggers)."""
    return f"queue_counts:{gate_id}"


async def lock_counts(uow: UnitOfWork, gate: Gate) -> None:
    """Take ``gate``'s queue-count lock now, as the triggers of migration 0017 take it at a
    transaction's first change of a waiting vehicle (PostgreSQL's transaction-scoped advisory
    lock; SQLite has one writer at a time anyway). The lock order is bookings, then the gate's
    counts, then slot rows: a check-in batch whose walk-ins join the queue only after their
    hour's slot row is locked takes it before that row, or it deadlocks with a batch that
    moved a booked truck into the queue (counts) and then wanted the same slot row."""
    if uow.session.get_bind().dialect.name == "postgresql":
        await uow.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": counts_lock_key(gate.id)},
        )


async def of_gate(uow: UnitOfWork, gate: Gate) -> Parts:
    """The counts of ``gate``'s queue (no range read beside them)."""
    rows = await uow.session.execute(
        select(
            QueueCount.direction,
            QueueCount.queue_class,
            QueueCount.behind,
            QueueCount.waiting,
            QueueCount.with_spoil_by,
        ).where(QueueCount.gate_id == gate.id)
    )
    parts = Parts({}, {})
    for direction, queue_class, behind, waiting, spoiling in rows:
        parts.waiting[direction, queue_class, bool(behind)] = int(waiting)
        parts.with_spoil_by[direction, queue_class, bool(behind)] = int(spoiling or 0)
    return parts


async def of_gate_with(uow: UnitOfWork, gate: Gate, back: ColumnElement[bool]) -> tuple[Parts, int]:
    """The counts of ``gate`` and how many of its vehicles ``back`` selects (a range of
    :func:`from_here_back`), read by one statement: on PostgreSQL each statement of a
    transaction reads a snapshot of its own, and a range read after the counts could hold a
    vehicle that joined after them (a place below 1, which the live projector met)."""
    counted = select(
        QueueCount.direction,
        QueueCount.queue_class,
        QueueCount.behind,
        QueueCount.waiting,
        QueueCount.with_spoil_by,
        literal(None, Integer).label("in_range"),
    ).where(QueueCount.gate_id == gate.id)
    in_range = select(
        literal(None, String),
        literal(None, String),
        literal(None, Boolean),
        literal(None, Integer),
        literal(None, Integer),
        select(func.count()).where(Booking.gate_id == gate.id, back).scalar_subquery(),
    )
    parts = Parts({}, {})
    selected = 0
    for direction, queue_class, behind, waiting, spoiling, found in await uow.session.execute(
        union_all(counted, in_range)
    ):
        if direction is None:
            selected = int(found or 0)
        else:
            parts.waiting[direction, queue_class, bool(behind)] = int(waiting)
            parts.with_spoil_by[direction, queue_class, bool(behind)] = int(spoiling or 0)
    return parts, selected


async def rebuild(uow: UnitOfWork) -> None:
    """Recount every gate's counts from the bookings, should they ever differ (a migration's
    data fix with triggers off, a restore of some tables only). On PostgreSQL writers to
    ``bookings`` wait until the caller commits (SHARE lock), so none changes a count between
    the recount and the commit; SQLite has one writer at a time anyway."""
    session = uow.session
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("LOCK TABLE bookings IN SHARE MODE"))
    await session.execute(delete(QueueCount))
    queue_class = func.coalesce(Booking.queue_class, NO_CLASS)
    spoiling = func.count(Booking.spoil_by)  # count(column) counts the non-NULL ones
    recount = (
        select(
            *(Booking.gate_id, Booking.direction, queue_class, Booking.queue_behind),
            *(func.count(), spoiling),
        )
        .where(Booking.status == BookingStatus.ARRIVED.value)
        .group_by(Booking.gate_id, Booking.direction, queue_class, Booking.queue_behind)
    )
    await session.execute(
        insert(QueueCount).from_select(
            ["gate_id", "direction", "queue_class", "behind", "waiting", "with_spoil_by"], recount
        )
    )

"""Places in the yard queue and the forecast of each vehicle's call, for many vehicles at once.

Both run on every check-in, for a whole batch of check-ins, so each is one statement: the
counts and the vehicles ahead come from one snapshot while other devices check vehicles in,
and a batch of sixty trucks costs one round trip, not sixty.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, select, tuple_

from gate.domain.bookings import BookingStatus
from gate.domain.forecast import SERVICE_WINDOW, ServiceRate, rate_from_count
from gate.domain.queue import QueueClass, ServiceCycle, place_by_counts
from gate.store.tables import Booking, Gate, GateDirection, Lane, QueueCursor
from gate.store.types import UtcDateTime
from gate.store.unit_of_work import UnitOfWork


def _waiting(gate: Gate, direction: str) -> ColumnElement[bool]:
    return and_(
        Booking.gate_id == gate.id,
        Booking.direction == direction,
        Booking.status == BookingStatus.ARRIVED.value,
    )


async def places_in_queue(
    uow: UnitOfWork, gate: Gate, asked: Sequence[tuple[Booking, Sequence[Booking]]]
) -> list[int | None]:
    """The 1-based place of each asked vehicle (None once called or gone), counted in the
    database rather than computed by loading the queue. Each vehicle comes with the ones
    that joined the queue after it was read (later in the same batch): they are in the
    database now but were not there yet, so its place is as it was when it was read."""
    waiting = {
        booking.id: booking
        for booking, _ in asked
        if booking.status == BookingStatus.ARRIVED.value and booking.queue_class is not None
    }
    if not waiting:
        return [None] * len(asked)
    directions = sorted({b.direction for b in waiting.values()})
    columns: list[ColumnElement[int]] = []
    for direction in directions:
        for queue_class in QueueClass:
            columns.append(
                select(func.count())
                .where(_waiting(gate, direction), Booking.queue_class == queue_class.value)
                .scalar_subquery()
            )
        columns.append(
            select(func.coalesce(func.max(QueueCursor.position), 0))
            .where(QueueCursor.gate_id == gate.id, QueueCursor.direction == direction)
            .scalar_subquery()
        )
    key = tuple_(Booking.queue_behind, Booking.slot_start, Booking.arrived_at, Booking.id)
    for booking in waiting.values():
        columns.append(
            select(func.count())
            .where(
                _waiting(gate, booking.direction),
                Booking.queue_class == booking.queue_class,
                key < _key_of(booking),
            )
            .scalar_subquery()
        )
    row = [int(value or 0) for value in (await uow.session.execute(select(*columns))).one()]
    per_direction = len(QueueClass) + 1
    counts: dict[str, dict[QueueClass, int]] = {}
    cursors: dict[str, int] = {}
    for index, direction in enumerate(directions):
        block = row[index * per_direction : (index + 1) * per_direction]
        counts[direction] = dict(zip(QueueClass, block[:-1], strict=True))
        cursors[direction] = block[-1]
    ahead = dict(zip(waiting, row[len(directions) * per_direction :], strict=True))
    cycle = ServiceCycle.parse(gate.service_cycle)
    places: list[int | None] = []
    for booking, later in asked:
        if booking.id not in waiting or booking.queue_class is None:
            places.append(None)
            continue
        then = dict(counts[booking.direction])
        before = ahead[booking.id]
        for other in later:
            if other.direction != booking.direction or other.queue_class is None:
                continue
            then[QueueClass(other.queue_class)] -= 1
            if other.queue_class == booking.queue_class and _sort_key(other) < _sort_key(booking):
                before -= 1
        places.append(
            place_by_counts(
                then, QueueClass(booking.queue_class), before, cycle, cursors[booking.direction]
            )
        )
    return places


def _key_of(booking: Booking) -> ColumnElement[Any]:
    return tuple_(
        literal(booking.queue_behind),
        literal(booking.slot_start, UtcDateTime()),
        literal(booking.arrived_at, UtcDateTime()),
        literal(booking.id),
    )


def _sort_key(booking: Booking) -> tuple[bool, datetime, datetime | None, str]:
    """The database's order within a class (the same as ``QueueEntry.sort_key``)."""
    return (booking.queue_behind, booking.slot_start, booking.arrived_at, booking.id)


async def service_rates(
    uow: UnitOfWork, gate: Gate, moments: Sequence[tuple[str, datetime]]
) -> dict[tuple[str, datetime], ServiceRate]:
    """Each direction's measured service rate as it was at each moment: vehicles called in
    the SERVICE_WINDOW before it, with the planned capacity standing in for thin history.
    Moments are taken to the next whole minute, so that a batch of trucks observed within
    the same minute costs one count, not one each."""
    rounded = {(direction, _next_minute(moment)) for direction, moment in moments}
    wanted = sorted(rounded)
    if not wanted:
        return {}
    directions = sorted({direction for direction, _ in wanted})
    columns: list[ColumnElement[int | None]] = []
    for direction, moment in wanted:
        columns.append(
            select(func.count())
            .where(
                Booking.gate_id == gate.id,
                Booking.direction == direction,
                Booking.called_at >= moment - SERVICE_WINDOW,
                Booking.called_at <= moment,
            )
            .scalar_subquery()
        )
    for direction in directions:
        columns.append(
            select(func.count())
            .where(Lane.gate_id == gate.id, Lane.direction == direction, Lane.is_open.is_(True))
            .scalar_subquery()
        )
        columns.append(
            select(GateDirection.hourly_capacity)
            .where(GateDirection.gate_id == gate.id, GateDirection.direction == direction)
            .scalar_subquery()
        )
    row = list((await uow.session.execute(select(*columns))).one())
    calls, rest = row[: len(wanted)], row[len(wanted) :]
    lanes = {d: int(rest[2 * i] or 0) for i, d in enumerate(directions)}
    planned = {d: int(rest[2 * i + 1] or 0) for i, d in enumerate(directions)}
    rates = {
        (direction, moment): rate_from_count(int(count or 0), planned[direction], lanes[direction])
        for (direction, moment), count in zip(wanted, calls, strict=True)
    }
    return {(d, moment): rates[d, _next_minute(moment)] for d, moment in moments}


def _next_minute(moment: datetime) -> datetime:
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(minutes=1)


def predicted_call(arrived_at: datetime, place: int, rate: ServiceRate) -> datetime | None:
    """When the vehicle at ``place`` should be called at ``rate``; recorded at check-in so the
    forecast's error can be measured against the real call."""
    minutes = rate.minutes_for(place - 1)
    return None if minutes is None else arrived_at + timedelta(minutes=minutes)

"""Places in the yard queue and the forecast of each vehicle's call, for many vehicles at once.

Both run on every check-in, for a whole batch of check-ins, so each is one statement: the
counts and the vehicles ahead come from one snapshot while other devices check vehicles in,
and a batch of sixty trucks costs one round trip, not sixty. The statements are built once
per size (rounded up to a power of two) with bound parameters, and reused: building a
statement of sixty sub-queries afresh for every batch cost more than running it.
"""

from __future__ import annotations

import bisect
import collections
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Boolean, Select, bindparam, func, select, tuple_
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from gate.domain.bookings import BookingStatus
from gate.domain.forecast import ServiceRate
from gate.domain.queue import QueueClass, ServiceCycle, place_by_counts
from gate.domain.slots import Direction
from gate.store.booking_rows import AnyBooking
from gate.store.tables import Booking, Gate, QueueCount, QueueCursor
from gate.store.types import UtcDateTime
from gate.store.unit_of_work import UnitOfWork
from gate.yard.counts import (
    NO_CLASS,
    Parts,
    ahead_in_class,
    from_here_back,
    from_here_back_spoiling,
    per_class,
)
from gate.yard.rates import next_minute, rates_columns, rates_of, rates_params
from gate.yard.service import entry_of

_DIRECTIONS = tuple(Direction)
# A filler row for the unused places of a statement's size: it counts nothing of interest.
_NOBODY = datetime(2000, 1, 1, tzinfo=UTC)


def order_in_class() -> Any:
    """The order within a class in SQL, among the vehicles with a spoil-by and among those
    without: the same as ``QueueEntry.sort_key`` (spoil-by, then on time before behind, slot,
    arrival and id), and the column order of ``ix_bookings_queue_order``. Those with one come
    first: a query for a class's head reads them, then those without (``spoil_by`` IS NULL),
    each in the index's order on either database (their NULLs sort apart)."""
    return tuple_(
        Booking.spoil_by,
        Booking.queue_behind,
        Booking.slot_start,
        Booking.arrived_at,
        Booking.id,
    )


def _bucket(count: int) -> int:
    size = 1
    while size < count:
        size *= 2
    return size


_PARTS = tuple(
    (d.value, c, behind)
    for d in _DIRECTIONS
    for c in (*(q.value for q in QueueClass), NO_CLASS)
    for behind in (False, True)
)


@cache
def _places_columns(size: int, spoiling: int) -> list[ColumnElement[Any]]:
    """One row: the gate's queue counts (``queue_counts``, kept by the database: waiting,
    then with a spoil-by), each direction's position in the cycle, then for each of ``size``
    vehicles without a spoil-by how many of its class and part (on time or behind) without
    one stand from it to the back, itself included, and for each of ``spoiling`` vehicles
    with one how many of its class with one do: a range of ``ix_bookings_queue_order`` that
    holds the trucks that joined with it or after it, not the yard (a crisis yard holds
    thousands of trucks)."""
    gate: BindParameter[str] = bindparam("p_gate")
    columns: list[ColumnElement[Any]] = [
        select(func.coalesce(func.sum(counted), 0))
        .where(
            QueueCount.gate_id == gate,
            QueueCount.direction == direction,
            QueueCount.queue_class == queue_class,
            QueueCount.behind == behind,
        )
        .scalar_subquery()
        for counted in (QueueCount.waiting, QueueCount.with_spoil_by)
        for direction, queue_class, behind in _PARTS
    ]
    columns += [
        select(func.coalesce(func.max(QueueCursor.position), 0))
        .where(QueueCursor.gate_id == gate, QueueCursor.direction == d.value)
        .scalar_subquery()
        for d in _DIRECTIONS
    ]
    for n in range(size):
        back = from_here_back(
            bindparam(f"p_direction_{n}"),
            bindparam(f"p_class_{n}"),
            bindparam(f"p_behind_{n}"),
            bindparam(f"p_slot_{n}", type_=UtcDateTime()),
            bindparam(f"p_arrived_{n}", type_=UtcDateTime()),
            bindparam(f"p_id_{n}"),
        )
        columns.append(select(func.count()).where(Booking.gate_id == gate, back).scalar_subquery())
    for n in range(spoiling):
        back = from_here_back_spoiling(
            bindparam(f"s_direction_{n}"),
            bindparam(f"s_class_{n}"),
            bindparam(f"s_spoil_by_{n}", type_=UtcDateTime()),
            bindparam(f"s_behind_{n}", type_=Boolean()),
            bindparam(f"s_slot_{n}", type_=UtcDateTime()),
            bindparam(f"s_arrived_{n}", type_=UtcDateTime()),
            bindparam(f"s_id_{n}"),
        )
        columns.append(select(func.count()).where(Booking.gate_id == gate, back).scalar_subquery())
    return columns


async def places_in_queue(
    uow: UnitOfWork,
    gate: Gate,
    asked: Sequence[tuple[AnyBooking, int]],
    joined: Sequence[tuple[AnyBooking, int]] = (),
) -> list[int | None]:
    """The 1-based place of each asked vehicle (None once called or gone), from the queue's
    counts and a bounded count per vehicle rather than by loading the queue. Vehicles come
    with the order in which they were read in their batch, and ``joined`` says at which order
    each vehicle of the batch joined the queue: those that joined after a vehicle was read
    are in the database now but were not there yet, so its place is as it was when it was
    read."""
    places, _ = await places_and_rates(uow, gate, asked, joined, ())
    return places


async def places_and_rates(
    uow: UnitOfWork,
    gate: Gate,
    asked: Sequence[tuple[AnyBooking, int]],
    joined: Sequence[tuple[AnyBooking, int]],
    moments: Sequence[tuple[str, datetime]],
) -> tuple[list[int | None], dict[tuple[str, datetime], ServiceRate]]:
    """``places_in_queue`` and ``service_rates`` read by one statement (a check-in batch
    needs both: one round trip, not two); no statement when neither has anything to ask."""
    waiting = {
        booking.id: booking
        for booking, _ in asked
        if booking.status == BookingStatus.ARRIVED.value and booking.queue_class is not None
    }
    wanted = sorted({(direction, next_minute(moment)) for direction, moment in moments})
    if not waiting and not wanted:
        return [None] * len(asked), {}
    # Those without a spoil-by first, then those with one: each kind has its own range.
    plain = [b for b in waiting.values() if b.spoil_by is None]
    spoiling = [b for b in waiting.values() if b.spoil_by is not None]
    vehicles = plain + spoiling
    sizes = (
        _bucket(len(plain)) if plain else 0,
        _bucket(len(spoiling)) if spoiling else 0,
        _bucket(len(wanted)) if wanted else 0,
    )
    if vehicles and not plain:
        sizes = (1, *sizes[1:])  # the statement has places once it has one vehicle's range
    params: dict[str, Any] = {"p_gate": gate.id}
    _places_params(params, plain, sizes[0])
    _spoiling_params(params, spoiling, sizes[1])
    rates_params(params, wanted, sizes[2])
    row = list((await uow.session.execute(_statement(*sizes), params)).one())
    width = _places_width(sizes[0], sizes[1]) if vehicles else 0
    places: list[int | None] = [None] * len(asked)
    if vehicles:
        backs = _backs(row[:width], plain, spoiling, sizes[0])
        places = _places_of(gate, asked, joined, waiting, vehicles, row[:width], backs)
    rates = rates_of(wanted, moments, sizes[2], row[width:]) if wanted else {}
    return places, rates


@cache
def _statement(places: int, spoiling: int, rates: int) -> Select[Any]:
    """``_places_columns(places, spoiling)`` (none for 0 places), then
    ``rates_columns(rates)`` (none for 0)."""
    columns = [*_places_columns(places, spoiling)] if places else []
    return select(*columns, *(rates_columns(rates) if rates else []))


def _places_width(size: int, spoiling: int) -> int:
    return 2 * len(_PARTS) + len(_DIRECTIONS) + size + spoiling


def _backs(
    row: list[Any], plain: list[AnyBooking], spoiling: list[AnyBooking], size: int
) -> list[int]:
    """Each vehicle's count from it to the back of its range, ``plain`` then ``spoiling``."""
    start = 2 * len(_PARTS) + len(_DIRECTIONS)
    backs = row[start : start + len(plain)] + row[start + size : start + size + len(spoiling)]
    return [int(back or 0) for back in backs]


def _places_params(params: dict[str, Any], vehicles: list[AnyBooking], size: int) -> None:
    for n in range(size):
        booking = vehicles[n] if n < len(vehicles) else None
        params[f"p_behind_{n}"] = booking.queue_behind if booking else False
        params[f"p_slot_{n}"] = booking.slot_start if booking else _NOBODY
        params[f"p_arrived_{n}"] = booking.arrived_at if booking else _NOBODY
        params[f"p_id_{n}"] = booking.id if booking else ""
        params[f"p_direction_{n}"] = booking.direction if booking else ""
        params[f"p_class_{n}"] = booking.queue_class if booking else ""


def _spoiling_params(params: dict[str, Any], vehicles: list[AnyBooking], size: int) -> None:
    for n in range(size):
        booking = vehicles[n] if n < len(vehicles) else None
        params[f"s_spoil_by_{n}"] = booking.spoil_by if booking else _NOBODY
        params[f"s_behind_{n}"] = booking.queue_behind if booking else False
        params[f"s_slot_{n}"] = booking.slot_start if booking else _NOBODY
        params[f"s_arrived_{n}"] = booking.arrived_at if booking else _NOBODY
        params[f"s_id_{n}"] = booking.id if booking else ""
        params[f"s_direction_{n}"] = booking.direction if booking else ""
        params[f"s_class_{n}"] = booking.queue_class if booking else ""


def _places_of(
    gate: Gate,
    asked: Sequence[tuple[AnyBooking, int]],
    joined: Sequence[tuple[AnyBooking, int]],
    waiting: dict[str, AnyBooking],
    vehicles: list[AnyBooking],
    row: list[Any],
    backs: list[int],
) -> list[int | None]:
    """The places of ``places_in_queue`` from the statement's columns of places and each
    vehicle's count from it to the back of its range (``backs``, in ``vehicles``' order)."""
    width = len(_PARTS)
    parts = Parts(
        {part: int(count or 0) for part, count in zip(_PARTS, row[:width], strict=True)},
        {part: int(n or 0) for part, n in zip(_PARTS, row[width : 2 * width], strict=True)},
    )
    positions = row[2 * width : 2 * width + len(_DIRECTIONS)]
    cursors = {d.value: int(c or 0) for d, c in zip(_DIRECTIONS, positions, strict=True)}
    counts = {d.value: per_class(parts.waiting, d.value) for d in _DIRECTIONS}
    ahead: dict[str, int] = {}
    for booking, back in zip(vehicles, backs, strict=True):
        part = (booking.direction, booking.queue_class or NO_CLASS, booking.queue_behind)
        spoiling = booking.spoil_by is not None
        ahead[booking.id] = ahead_in_class(parts, *part, back, with_spoil_by=spoiling)
    cycle = ServiceCycle.parse(gate.service_cycle)
    places: list[int | None] = [None] * len(asked)
    # From the last read back to the first, taking in those that joined after each read:
    # sorted keys per class make "how many of them are ahead of me" a bisection.
    joined_late = sorted(joined, key=lambda pair: pair[1], reverse=True)
    later_in_class: collections.Counter[tuple[str, str]] = collections.Counter()
    later_keys: dict[tuple[str, str], list[tuple[bool, datetime, bool, datetime, datetime, str]]]
    later_keys = {}
    taken = 0
    for index in sorted(range(len(asked)), key=lambda i: asked[i][1], reverse=True):
        booking, order = asked[index]
        while taken < len(joined_late) and joined_late[taken][1] > order:
            other = joined_late[taken][0]
            taken += 1
            if other.queue_class is not None and other.arrived_at is not None:
                group = (other.direction, other.queue_class)
                later_in_class[group] += 1
                bisect.insort(later_keys.setdefault(group, []), entry_of(other).sort_key())
        if booking.id not in waiting or booking.queue_class is None:
            continue
        then = {
            c: counts[booking.direction][c] - later_in_class[booking.direction, c.value]
            for c in QueueClass
        }
        group = (booking.direction, booking.queue_class)
        before = ahead[booking.id] - bisect.bisect_left(
            later_keys.get(group, []), entry_of(booking).sort_key()
        )
        places[index] = place_by_counts(
            then, QueueClass(booking.queue_class), before, cycle, cursors[booking.direction]
        )
    return places


async def service_rates(
    uow: UnitOfWork, gate: Gate, moments: Sequence[tuple[str, datetime]]
) -> dict[tuple[str, datetime], ServiceRate]:
    """Each direction's measured service rate as it was at each moment: vehicles called in
    the SERVICE_WINDOW before it, with the planned capacity standing in for thin history.
    Moments are taken to the next whole minute, so that a batch of trucks observed within
    the same minute costs one count, not one each."""
    _, rates = await places_and_rates(uow, gate, (), (), moments)
    return rates


def predicted_call(arrived_at: datetime, place: int, rate: ServiceRate) -> datetime | None:
    """When the vehicle at ``place`` should be called at ``rate``; recorded at check-in so the
    forecast's error can be measured against the real call."""
    minutes = rate.minutes_for(place - 1)
    return None if minutes is None else arrived_at + timedelta(minutes=minutes)

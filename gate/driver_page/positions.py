"""Positions a driver shares from the driver's page, the arrival estimate made from each, the
sweep that forgets them, and the count of trucks on the way to a gate.

One row per booking (``truck_positions``): a new position replaces the last, so no track is
kept. A position is personal data (gate/domain/geo.py): never in the audit chain, a log, a
public page or channel; deleted by ``sweep_positions`` ``POSITION_RETENTION`` after it was
recorded and as soon as the truck has checked in at its gate (its booking past ``booked``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select

from gate.domain.bookings import BookingStatus
from gate.domain.dispatch import OrderStatus
from gate.domain.events import PositionShared
from gate.domain.geo import (
    POSITION_FRESH,
    POSITION_RETENTION,
    Destination,
    arrival_at,
    check_position,
    choose_destination,
)
from gate.domain.time import as_local
from gate.domain.yards import OPEN, VisitStatus, is_open_at
from gate.store.database import conflict_insert
from gate.store.tables import (
    Booking,
    DispatchOrder,
    Gate,
    TruckPosition,
    Yard,
    YardGate,
    YardVisit,
)
from gate.store.unit_of_work import UnitOfWork

_OPEN_VISIT = [s.value for s in OPEN]
_MOVING = [VisitStatus.DISPATCHED.value, VisitStatus.EN_ROUTE.value]


@dataclass(frozen=True, slots=True)
class Shared:
    """What a shared position gave: whether it was kept (not once the truck is at the gate),
    where the truck is heading and when it should be there (None: the place is not on the
    map)."""

    stored: bool
    destination: Destination | None
    estimated_arrival_at: datetime | None


def _gate_destination(gate: Gate) -> Destination:
    return Destination("gate", gate.id, gate.name, gate.latitude, gate.longitude)


def _yard_destination(yard: Yard) -> Destination:
    return Destination("yard", yard.id, yard.name, yard.latitude, yard.longitude)


async def open_visit(uow: UnitOfWork, booking_id: str) -> YardVisit | None:
    """The booking's truck's visit to a waiting yard that is not over, if any."""
    visit: YardVisit | None = await uow.session.scalar(
        select(YardVisit)
        .where(YardVisit.booking_id == booking_id, YardVisit.status.in_(_OPEN_VISIT))
        .limit(1)
    )
    return visit


async def open_order(uow: UnitOfWork, booking_id: str) -> DispatchOrder | None:
    """The booking's open dispatch order, if any (a truck holds at most one)."""
    order: DispatchOrder | None = await uow.session.scalar(
        select(DispatchOrder)
        .where(
            DispatchOrder.booking_id == booking_id,
            DispatchOrder.status == OrderStatus.OPEN.value,
        )
        .limit(1)
    )
    return order


async def _open_yards(uow: UnitOfWork, gate_id: str, now: datetime) -> list[Yard]:
    """Yards serving the gate, in service and open at ``now`` (gates' clock)."""
    rows = await uow.session.scalars(
        select(Yard)
        .join(YardGate, YardGate.yard_id == Yard.id)
        .where(YardGate.gate_id == gate_id, Yard.closed_at.is_(None))
        .order_by(Yard.code)
    )
    hour = as_local(now).hour
    return [y for y in rows if is_open_at(hour, y.opens_at, y.closes_at)]


async def share_position(
    uow: UnitOfWork,
    booking: Booking,
    latitude: float,
    longitude: float,
    accuracy_m: float | None,
    now: datetime,
) -> Shared:
    """Keep the position a driver shared for ``booking`` (replacing the last) with its
    destination and estimate: gate/domain/geo.py ``choose_destination`` and ``arrival_at``.
    ValidationFailed (422) for a position no browser gives. A truck already at its gate
    (booking past ``booked``) is not tracked: nothing is stored (``stored`` False)."""
    check_position(latitude, longitude, accuracy_m)
    if booking.status != BookingStatus.BOOKED.value:
        return Shared(False, None, None)
    gate = await uow.session.get(Gate, booking.gate_id)
    assert gate is not None  # a foreign key
    visit = await open_visit(uow, booking.id)
    in_yard = None
    if visit is not None and visit.status != VisitStatus.EN_ROUTE.value:
        yard = await uow.session.get(Yard, visit.yard_id)
        in_yard = _yard_destination(yard) if yard is not None else None
    order = await open_order(uow, booking.id)
    destination = choose_destination(
        latitude,
        longitude,
        _gate_destination(gate),
        has_open_order=order is not None,
        in_yard=in_yard,
        open_yards=[_yard_destination(y) for y in await _open_yards(uow, gate.id, now)],
    )
    estimate = arrival_at(now, latitude, longitude, destination)
    values = {
        "booking_id": booking.id,
        "gate_id": gate.id,
        "latitude": latitude,
        "longitude": longitude,
        "accuracy_m": accuracy_m,
        "recorded_at": now,
        "destination": destination.kind,
        "destination_yard_id": destination.id if destination.kind == "yard" else None,
        "estimated_arrival_at": estimate,
    }
    insert = conflict_insert(uow.session)
    statement = insert(TruckPosition).values(**values)
    # One row per booking, whichever of two concurrent posts lands second.
    await uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=["booking_id"],
            set_={k: statement.excluded[k] for k in values if k != "booking_id"},
        )
    )
    # Its enterprise's live stream shows the new estimate (the boards' count of trucks on
    # the way follows on their own refresh).
    uow.record(PositionShared(enterprise_id=booking.enterprise_id, booking_id=booking.id))
    return Shared(True, destination, estimate)


async def sweep_positions(uow: UnitOfWork, now: datetime) -> int:
    """Delete positions recorded more than ``POSITION_RETENTION`` ago and those of trucks
    that checked in at their gate (or whose booking ended); how many."""
    ended = select(Booking.id).where(
        Booking.id == TruckPosition.booking_id, Booking.status != BookingStatus.BOOKED.value
    )
    result = await uow.session.execute(
        delete(TruckPosition).where(
            or_(TruckPosition.recorded_at < now - POSITION_RETENTION, ended.exists())
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def trucks_on_the_way(uow: UnitOfWork, gate_id: str, now: datetime) -> int:
    """How many trucks are on their way to gate ``gate_id`` (a count, nothing more; the boards
    may show it): open dispatch orders to it whose truck is dispatched or en route, plus
    trucks of its bookings with a position fresher than ``POSITION_FRESH`` that are neither in
    a waiting yard (an open visit) nor in the control yard (booking still ``booked``) and hold
    no open order (counted once)."""
    ordered = await uow.session.scalar(
        select(func.count())
        .select_from(DispatchOrder)
        .join(YardVisit, YardVisit.id == DispatchOrder.visit_id)
        .where(
            DispatchOrder.gate_id == gate_id,
            DispatchOrder.status == OrderStatus.OPEN.value,
            YardVisit.status.in_(_MOVING),
        )
    )
    visiting = select(YardVisit.id).where(
        YardVisit.booking_id == TruckPosition.booking_id, YardVisit.status.in_(_OPEN_VISIT)
    )
    with_order = select(DispatchOrder.id).where(
        DispatchOrder.booking_id == TruckPosition.booking_id,
        DispatchOrder.status == OrderStatus.OPEN.value,
    )
    driving = await uow.session.scalar(
        select(func.count())
        .select_from(TruckPosition)
        .join(Booking, Booking.id == TruckPosition.booking_id)
        .where(
            and_(
                TruckPosition.gate_id == gate_id,
                TruckPosition.recorded_at >= now - POSITION_FRESH,
                Booking.status == BookingStatus.BOOKED.value,
                ~visiting.exists(),
                ~with_order.exists(),
            )
        )
    )
    return int(ordered or 0) + int(driving or 0)

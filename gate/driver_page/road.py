"""A booked truck on the road to its gate, as its enterprise and its driver see it: the waiting
yard it is in, its latest dispatch order, and the arrival estimate from a fresh position.

Read for many bookings at once (three queries whatever their number), so the enterprise's
list of bookings costs the same few statements as one booking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from gate.domain.geo import POSITION_FRESH
from gate.domain.yards import OPEN
from gate.store.tables import DispatchOrder, Gate, TruckPosition, Yard, YardVisit
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class InYard:
    """The waiting yard the truck is in (or has just left under an order): its code and name
    and the visit's status (gate/domain/yards.py: waiting, dispatched, en_route)."""

    yard_code: str
    yard_name: str
    status: str
    entered_at: datetime


@dataclass(frozen=True, slots=True)
class Order:
    """The truck's latest dispatch order: its code, status (gate/domain/dispatch.py), the
    deadline to reach the gate, and the gate's code and name."""

    code: str
    status: str
    issued_at: datetime
    deadline_at: datetime
    gate_code: str
    gate_name: str


@dataclass(frozen=True, slots=True)
class Arrival:
    """The estimate from the last position shared (fresher than POSITION_FRESH): where the
    truck is heading ("yard" or "gate") and its name, and when it should arrive (None: the
    place is not on the map)."""

    destination: str
    destination_name: str
    estimated_at: datetime | None
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Road:
    yard: InYard | None = None
    order: Order | None = None
    arrival: Arrival | None = None


async def roads(uow: UnitOfWork, booking_ids: Sequence[str], now: datetime) -> dict[str, Road]:
    """Each booking's road (an empty ``Road`` for one with nothing on it)."""
    wanted = list(dict.fromkeys(booking_ids))
    found: dict[str, dict[str, object]] = {b: {} for b in wanted}
    if not wanted:
        return {}
    visits = await uow.session.execute(
        select(YardVisit, Yard.code, Yard.name)
        .join(Yard, Yard.id == YardVisit.yard_id)
        .where(YardVisit.booking_id.in_(wanted), YardVisit.status.in_([s.value for s in OPEN]))
    )
    for visit, code, name in visits:
        assert visit.booking_id is not None
        found[visit.booking_id]["yard"] = InYard(code, name, visit.status, visit.entered_at)
    orders = await uow.session.execute(
        select(DispatchOrder, Gate.code, Gate.name)
        .join(Gate, Gate.id == DispatchOrder.gate_id)
        .where(DispatchOrder.booking_id.in_(wanted))
        .order_by(DispatchOrder.issued_at, DispatchOrder.id)
    )
    for order, gate_code, gate_name in orders:  # the latest wins
        assert order.booking_id is not None
        found[order.booking_id]["order"] = Order(
            order.code, order.status, order.issued_at, order.deadline_at, gate_code, gate_name
        )
    positions = await uow.session.execute(
        select(TruckPosition, Gate.name, Yard.name)
        .join(Gate, Gate.id == TruckPosition.gate_id)
        .outerjoin(Yard, Yard.id == TruckPosition.destination_yard_id)
        .where(
            TruckPosition.booking_id.in_(wanted),
            TruckPosition.recorded_at >= now - POSITION_FRESH,
        )
    )
    for position, gate_name, yard_name in positions:
        found[position.booking_id]["arrival"] = Arrival(
            position.destination,
            yard_name if position.destination == "yard" and yard_name else gate_name,
            position.estimated_arrival_at,
            position.recorded_at,
        )
    return {b: Road(**facts) for b, facts in found.items()}  # type: ignore[arg-type]

"""What a waiting yard's staff read on their console: each truck in the yard or on its way
out under an order, with its booking code, gate and open dispatch order (one query, whatever
the number of trucks). Full plates: for the yard's staff only, never a public page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select

from gate.domain.dispatch import OrderStatus
from gate.domain.yards import OPEN, VisitStatus
from gate.store.tables import Booking, DispatchOrder, Gate, Yard, YardVisit
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """A visit's open dispatch order: its code and the deadline to reach the gate (UTC)."""

    code: str
    deadline_at: datetime


@dataclass(frozen=True, slots=True)
class TruckHere:
    """A truck of the yard: in it (``waiting``, ``dispatched``) or gone under an order
    (``en_route``); ``booking_code`` None for a walk-in; ``order`` its open order, if any."""

    visit: YardVisit
    gate_code: str
    booking_code: str | None
    order: OpenOrder | None

    @property
    def in_yard(self) -> bool:
        return self.visit.status != VisitStatus.EN_ROUTE.value


async def trucks_of_yard(uow: UnitOfWork, yard: Yard) -> list[TruckHere]:
    """The yard's open visits in arrival order, each with its gate's code, booking code and
    open dispatch order: those in the yard first, then those on the road under an order."""
    query = (
        select(YardVisit, Gate.code, Booking.code, DispatchOrder.code, DispatchOrder.deadline_at)
        .join(Gate, Gate.id == YardVisit.gate_id)
        .outerjoin(Booking, Booking.id == YardVisit.booking_id)
        .outerjoin(
            DispatchOrder,
            and_(
                DispatchOrder.visit_id == YardVisit.id,
                DispatchOrder.status == OrderStatus.OPEN.value,
            ),
        )
        .where(YardVisit.yard_id == yard.id, YardVisit.status.in_([s.value for s in OPEN]))
        .order_by(YardVisit.entered_at, YardVisit.id)
    )
    trucks = [
        TruckHere(
            visit,
            gate_code,
            booking_code,
            OpenOrder(order_code, deadline) if order_code is not None and deadline else None,
        )
        for visit, gate_code, booking_code, order_code, deadline in await uow.session.execute(query)
    ]
    return [t for t in trucks if t.in_yard] + [t for t in trucks if not t.in_yard]

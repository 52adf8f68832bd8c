"""A truck from a waiting yard reaches the gate: its visit ends (``arrived``) and its open
order, if it had one, is met. Called by the gate's check-in (the cameras' batches and the
officers' check-in by hand) for the trucks a batch checked in.

The check-in is the hot path: this costs one statement per batch when none of its trucks came
from a yard (the usual case), two when some did, whatever the batch's size. Lock order as
everywhere (docs/architecture.md): the batch holds its bookings already; visits, then orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update

from gate.domain.dispatch import OrderStatus
from gate.domain.events import Actor, DispatchArrived
from gate.domain.yards import OPEN, VisitStatus
from gate.store.tables import Booking, DispatchOrder, Gate, YardVisit
from gate.store.tables.base import table_of
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Arrival:
    """A truck the gate checked in, and who read it (the audit's actor)."""

    booking: Booking
    actor: Actor


async def reached_gate(
    uow: UnitOfWork, gate: Gate, arrivals: Sequence[Arrival], now: datetime
) -> int:
    """End the open yard visits of the trucks in ``arrivals`` (matched by plate: a walk-in
    visit has no booking) and meet their open orders; an event per visit. How many visits
    ended."""
    if not arrivals:
        return 0
    by_plate = {a.booking.plate: a for a in arrivals}
    visits = table_of(YardVisit)
    ended = list(
        await uow.session.execute(
            update(visits)
            .where(
                visits.c.active_plate.in_(sorted(by_plate)),
                visits.c.status.in_(sorted(s.value for s in OPEN)),
            )
            .values(
                status=VisitStatus.ARRIVED.value,
                active_plate=None,
                ended_at=now,
                end_reason="reached the gate",
                version=visits.c.version + 1,
            )
            .returning(visits.c.id, visits.c.plate, visits.c.direction)
        )
    )
    if not ended:
        return 0
    orders = table_of(DispatchOrder)
    met = {
        row.visit_id: row
        for row in await uow.session.execute(
            update(orders)
            .where(orders.c.active_visit_id.in_(sorted(v.id for v in ended)))
            .values(status=OrderStatus.ARRIVED.value, active_visit_id=None, closed_at=now)
            .returning(
                orders.c.id,
                orders.c.code,
                orders.c.visit_id,
                orders.c.booking_id,
                orders.c.direction,
            )
        )
    }
    for visit in ended:
        arrival = by_plate[visit.plate]
        order = met.get(visit.id)
        uow.record(
            DispatchArrived(
                subject_id=order.id if order is not None else visit.id,
                gate=gate.code,
                gate_id=gate.id,
                direction=visit.direction,
                enterprise_id=arrival.booking.enterprise_id,
                order_code=order.code if order is not None else None,
                visit_id=visit.id,
                booking_id=arrival.booking.id,
                from_status=OrderStatus.OPEN.value if order is not None else None,
                to_status=OrderStatus.ARRIVED.value,
                actor=arrival.actor,
            )
        )
    # The session may hold these rows: they were changed under it.
    for row in uow.session.identity_map.values():
        if isinstance(row, YardVisit | DispatchOrder):
            uow.session.expire(row)
    return len(ended)

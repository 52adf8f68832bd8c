"""A truck from a waiting yard reaches the gate: its visit ends (``arrived``) and its open
order, if it had one, is met. Called by the gate's check-in (the cameras' batches and the
officers' check-in by hand) for the trucks a batch checked in.

The check-in is the hot path: ``open_visits`` is one statement per batch, made while the batch
loads its bookings (judging needs it: a truck held in a yard is judged by when it entered the
yard, gate/domain/checkin.py::judge_held_arrival), and ``reached_gate`` acts on what it found:
no statement when none of the batch's trucks came from a yard (the usual case), two when some
did, whatever the batch's size. Lock order as everywhere (docs/architecture.md): the batch
holds its bookings already; visits, then orders.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from gate.domain.dispatch import OrderStatus
from gate.domain.events import Actor, DispatchArrived
from gate.domain.yards import OPEN, VisitStatus
from gate.store.booking_rows import AnyBooking
from gate.store.tables import DispatchOrder, Gate, YardVisit
from gate.store.tables.base import table_of
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class OpenVisit:
    """A truck's open visit in a waiting yard (waiting, dispatched or en route), as the
    gate's check-in needs it: which booking it came with (None for a yard walk-in) and when it
    entered the yard."""

    id: str
    plate: str
    booking_id: str | None
    entered_at: datetime


async def open_visits(uow: UnitOfWork, plates: Collection[str]) -> dict[str, OpenVisit]:
    """The open yard visits of the trucks with these (normalised, tractor) plates, by plate,
    locked (in id order) until the check-in's transaction ends: one statement, whatever the
    number of plates. A truck has at most one open visit (``active_plate`` is unique)."""
    if not plates:
        return {}
    rows = await uow.session.execute(
        select(YardVisit.id, YardVisit.plate, YardVisit.booking_id, YardVisit.entered_at)
        .where(YardVisit.active_plate.in_(sorted(plates)))
        .order_by(YardVisit.id)
        .with_for_update()
    )
    return {row.plate: OpenVisit(row.id, row.plate, row.booking_id, row.entered_at) for row in rows}


@dataclass(frozen=True, slots=True)
class Arrival:
    """A truck the gate checked in, who read it (the audit's actor), and the request that
    carried the read (gate/request_ids.py; None: the current one): a batch decides many
    requests' reads, and the visit's end names the read's own, as its booking's events do."""

    booking: AnyBooking
    actor: Actor
    request_id: str | None = None


async def reached_gate(
    uow: UnitOfWork,
    gate: Gate,
    arrivals: Sequence[Arrival],
    in_yards: Mapping[str, OpenVisit],
    now: datetime,
) -> int:
    """End the open yard visits of the trucks in ``arrivals`` (matched by plate: a walk-in
    visit has no booking) and meet their open orders; an event per visit. ``in_yards`` is what
    ``open_visits`` found for the batch (its rows are locked); no statement when none of the
    arrivals is among them. How many visits ended."""
    by_plate = {a.booking.plate: a for a in arrivals if a.booking.plate in in_yards}
    if not by_plate:
        return 0
    visits = table_of(YardVisit)
    ended = list(
        await uow.session.execute(
            update(visits)
            .where(
                visits.c.id.in_(sorted(in_yards[plate].id for plate in by_plate)),
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
            ),
            arrival.request_id,
        )
    # The session may hold these rows: they were changed under it.
    for row in uow.session.identity_map.values():
        if isinstance(row, YardVisit | DispatchOrder):
            uow.session.expire(row)
    return len(ended)

"""The trucks waiting in the yards serving a gate, in the order the dispatch takes them: read
by the dispatch sweep under the rule's lock (gate/dispatch/sweeps.py) and shown in the officer
console, where its operators dispatch one by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from gate.dispatch.orders import to_be_used
from gate.domain.queue import QueueClass, QueueEntry, ServiceCycle, service_order
from gate.domain.slots import Direction
from gate.domain.yards import VisitStatus
from gate.store.tables import Booking, Gate, Yard, YardGate, YardVisit
from gate.store.unit_of_work import UnitOfWork
from gate.yard.service import cursor_position


def entry_of(visit: YardVisit, spoil_by: datetime | None = None) -> QueueEntry:
    """A waiting truck as the gate's service order sees it; ``spoil_by``: its booking's."""
    return QueueEntry(
        id=visit.id,
        queue_class=QueueClass(visit.queue_class),
        behind=visit.behind,
        slot_start=visit.slot_start,
        arrived_at=visit.entered_at,
        spoil_by=spoil_by,
    )


async def waiting_in_service_order(
    uow: UnitOfWork, gate: Gate, direction: Direction
) -> list[YardVisit]:
    """The trucks waiting in the yards serving ``gate`` for ``direction``, in the order the
    dispatch takes them: the gate's service order (its cycle of classes from the queue's
    cursor, a truck that missed an order behind its class); only trucks an order may send
    (``to_be_used``: walk-ins and bookings still to be used). Nothing locked: the sweep reads
    it under the rule's lock, the console to show it."""
    serving = select(YardGate.yard_id).where(YardGate.gate_id == gate.id)
    visits = {
        v.id: v
        for v in await uow.session.scalars(
            select(YardVisit).where(
                YardVisit.gate_id == gate.id,
                YardVisit.direction == direction.value,
                YardVisit.status == VisitStatus.WAITING.value,
                YardVisit.yard_id.in_(serving),
                to_be_used(),
            )
        )
    }
    # Perishables first by deadline here too: the bookings' spoil-by, for those that have one.
    booked = {v.booking_id for v in visits.values() if v.booking_id}
    spoil_by: dict[str | None, datetime] = {}
    if booked:
        found = await uow.session.execute(
            select(Booking.id, Booking.spoil_by).where(
                Booking.id.in_(booked), Booking.spoil_by.is_not(None)
            )
        )
        spoil_by = {booking_id: moment for booking_id, moment in found if moment}
    position = await cursor_position(uow, gate, direction, lock=False)
    cycle = ServiceCycle.parse(gate.service_cycle)
    entries = [entry_of(v, spoil_by.get(v.booking_id)) for v in visits.values()]
    return [visits[e.id] for e in service_order(entries, cycle, position)]


@dataclass(frozen=True, slots=True)
class WaitingTruck:
    """A truck waiting for ``direction`` as the console lists it: its visit, full plate
    (officers only), class, yard, booking code (None: a walk-in), entry time (UTC) and
    whether it missed an order (then behind its class)."""

    visit_id: str
    plate: str
    queue_class: str
    yard_name: str
    booking_code: str | None
    entered_at: datetime
    behind: bool


async def waiting_trucks(uow: UnitOfWork, gate: Gate, direction: Direction) -> list[WaitingTruck]:
    """``waiting_in_service_order`` with each truck's yard name and booking code."""
    visits = await waiting_in_service_order(uow, gate, direction)
    yard_ids = {v.yard_id for v in visits}
    names = await uow.session.execute(select(Yard.id, Yard.name).where(Yard.id.in_(yard_ids)))
    yards: dict[str, str] = {yard_id: name for yard_id, name in names}
    wanted = {v.booking_id for v in visits if v.booking_id}
    found = await uow.session.execute(
        select(Booking.id, Booking.code).where(Booking.id.in_(wanted))
    )
    codes: dict[str, str] = {booking_id: code for booking_id, code in found}
    return [
        WaitingTruck(
            v.id,
            v.plate,
            v.queue_class,
            yards.get(v.yard_id, ""),
            codes.get(v.booking_id) if v.booking_id else None,
            v.entered_at,
            v.behind,
        )
        for v in visits
    ]

"""Dispatch orders issued, withdrawn and listed: what the automatic sweep and the officers
share. Lock order (docs/architecture.md, "Lock order"): the gate direction's rule row first,
then the visit, then its order; nothing here locks a booking or a slot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update

from gate.dispatch.rules import lock_rule
from gate.domain.bookings import BookingStatus
from gate.domain.dispatch import NotWaitingInYard, OrderStatus, deadline, new_order_code
from gate.domain.errors import InvalidTransition, NotFound
from gate.domain.events import Actor, DispatchCancelled, DispatchEvent, DispatchIssued
from gate.domain.yards import VisitStatus, check_visit_move
from gate.store.tables import Booking, DispatchOrder, DispatchRule, Gate, Yard, YardVisit
from gate.store.unit_of_work import UnitOfWork


def order_event(
    event: type[DispatchEvent],
    order: DispatchOrder,
    gate: Gate,
    enterprise_id: str | None,
    **fields: Any,
) -> DispatchEvent:
    """An order's event: what every order event says about its order (nothing personal)."""
    return event(
        subject_id=order.id,
        gate=gate.code,
        gate_id=gate.id,
        direction=order.direction,
        enterprise_id=enterprise_id,
        order_code=order.code,
        visit_id=order.visit_id,
        booking_id=order.booking_id,
        **fields,
    )


def to_be_used() -> ColumnElement[bool]:
    """The visits a dispatch order may send: walk-ins, and trucks whose booking is still to be
    used (``booked``). A truck whose booking was cancelled, lapsed or already used waits in
    its yard until it leaves: no order sends it to the gate for nothing."""
    booked = select(Booking.id).where(Booking.status == BookingStatus.BOOKED.value)
    return or_(YardVisit.booking_id.is_(None), YardVisit.booking_id.in_(booked))


async def enterprise_of(uow: UnitOfWork, booking_id: str | None) -> str | None:
    """The enterprise of a visit's booking (whose stream an order's event wakes)."""
    if booking_id is None:
        return None
    return await uow.session.scalar(select(Booking.enterprise_id).where(Booking.id == booking_id))


async def issue(
    uow: UnitOfWork,
    gate: Gate,
    rule: DispatchRule,
    visit: YardVisit,
    actor: Actor,
    now: datetime,
) -> DispatchOrder | None:
    """Send a waiting ``visit`` to ``gate`` under ``rule`` (held locked by the caller): the
    visit moves to ``dispatched`` (its version bumped) only if it is still waiting (a
    conditional update, so a truck that left or reached the gate meanwhile is not sent), then
    the order is stored and its event recorded. None when the visit was no longer waiting."""
    check_visit_move(VisitStatus(visit.status), VisitStatus.DISPATCHED)
    moved = await uow.session.execute(
        update(YardVisit)
        .where(YardVisit.id == visit.id, YardVisit.status == VisitStatus.WAITING.value)
        .values(status=VisitStatus.DISPATCHED.value, version=YardVisit.version + 1)
        .execution_options(synchronize_session="fetch")
    )
    if getattr(moved, "rowcount", 0) != 1:
        return None
    order = DispatchOrder(
        code=new_order_code(),
        visit_id=visit.id,
        active_visit_id=visit.id,
        booking_id=visit.booking_id,
        yard_id=visit.yard_id,
        gate_id=gate.id,
        direction=visit.direction,
        queue_class=visit.queue_class,
        status=OrderStatus.OPEN.value,
        issued_at=now,
        deadline_at=deadline(now, rule.deadline_minutes),
        issued_by=actor.id if actor.kind == "officer" and actor.id else "system",
    )
    uow.session.add(order)
    await uow.session.flush()
    uow.record(
        order_event(
            DispatchIssued,
            order,
            gate,
            await enterprise_of(uow, visit.booking_id),
            from_status=VisitStatus.WAITING.value,
            to_status=OrderStatus.OPEN.value,
            actor=actor,
            facts={
                "yard_id": visit.yard_id,
                "queue_class": visit.queue_class,
                "deadline_at": order.deadline_at.isoformat(),
            },
        )
    )
    return order


async def dispatch_by_hand(
    uow: UnitOfWork, gate: Gate, visit_id: str, actor: Actor, now: datetime
) -> DispatchOrder:
    """An officer sends one waiting truck to the gate, also while dispatch is paused (the
    pause stops the automatic dispatch only). NotFound for a visit of another gate,
    NotWaitingInYard (409) for a truck that is not waiting (already dispatched, gone) or
    whose booking is no longer to be used (``to_be_used``)."""
    visit = await uow.session.get(YardVisit, visit_id)
    if visit is None or visit.gate_id != gate.id:
        raise NotFound("no such truck waiting for this gate")
    rule = await lock_rule(uow, gate.id, visit.direction)
    await uow.session.refresh(visit, with_for_update=True)
    if visit.status != VisitStatus.WAITING.value:
        raise NotWaitingInYard(f"the truck is {visit.status}, not waiting in a yard")
    if not await uow.session.scalar(
        select(YardVisit.id).where(YardVisit.id == visit.id, to_be_used())
    ):
        raise NotWaitingInYard("the truck's booking is no longer to be used: nothing to send it to")
    order = await issue(uow, gate, rule, visit, actor, now)
    if order is None:
        raise NotWaitingInYard("the truck is no longer waiting in a yard")
    return order


async def cancel(
    uow: UnitOfWork,
    gate: Gate,
    order_id: str,
    actor: Actor,
    now: datetime,
    reason: str | None,
) -> DispatchOrder:
    """Withdraw an open order: the truck waits again where it was, no miss counted.
    NotFound for an order of another gate; InvalidTransition (409) for one already closed."""
    order = await uow.session.get(DispatchOrder, order_id)
    if order is None or order.gate_id != gate.id:
        raise NotFound("no such dispatch order at this gate")
    visit = await uow.session.get(YardVisit, order.visit_id, with_for_update=True)
    await uow.session.refresh(order, with_for_update=True)
    assert visit is not None
    if order.status != OrderStatus.OPEN.value:
        raise InvalidTransition(f"the order is {order.status} already")
    await withdraw(uow, gate, order, visit, actor, now, reason or "withdrawn by an officer")
    return order


async def withdraw(
    uow: UnitOfWork,
    gate: Gate,
    order: DispatchOrder,
    visit: YardVisit,
    actor: Actor,
    now: datetime,
    reason: str,
) -> None:
    """Close an open order as cancelled and put its truck back to waiting (rows locked by the
    caller). A truck already on the road (en route) waits again too: it is expected back."""
    order.status = OrderStatus.CANCELLED.value
    order.active_visit_id = None
    order.closed_at = now
    order.reason = reason
    if VisitStatus(visit.status) in (VisitStatus.DISPATCHED, VisitStatus.EN_ROUTE):
        check_visit_move(VisitStatus(visit.status), VisitStatus.WAITING)
        visit.status = VisitStatus.WAITING.value
        visit.version += 1
    await uow.session.flush()
    uow.record(
        order_event(
            DispatchCancelled,
            order,
            gate,
            await enterprise_of(uow, order.booking_id),
            from_status=OrderStatus.OPEN.value,
            to_status=OrderStatus.CANCELLED.value,
            actor=actor,
            reason=reason,
        )
    )


@dataclass(frozen=True, slots=True)
class Listed:
    """An order with what officers read beside it: its truck's plate and yard code."""

    order: DispatchOrder
    plate: str
    yard_code: str | None


async def orders_of(
    uow: UnitOfWork, gate: Gate, status: OrderStatus | None, limit: int = 500
) -> list[Listed]:
    """The gate's orders, newest deadline last; only those of ``status`` when given."""
    query = (
        select(DispatchOrder, YardVisit.plate, Yard.code)
        .join(YardVisit, YardVisit.id == DispatchOrder.visit_id)
        .join(Yard, Yard.id == DispatchOrder.yard_id, isouter=True)
        .where(DispatchOrder.gate_id == gate.id)
        .order_by(DispatchOrder.deadline_at, DispatchOrder.id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(DispatchOrder.status == status.value)
    rows = await uow.session.execute(query)
    return [Listed(order, plate, yard_code) for order, plate, yard_code in rows]


async def listed(uow: UnitOfWork, order: DispatchOrder) -> Listed:
    """One order as ``orders_of`` lists it."""
    visit = await uow.session.get(YardVisit, order.visit_id)
    yard = await uow.session.get(Yard, order.yard_id)
    assert visit is not None
    return Listed(order, visit.plate, yard.code if yard is not None else None)

"""What the boards show of the road to the gate, read from the database as the rest of the
boards is: each waiting yard that serves a gate with how full it is, the trucks on their way to
the gate (the public board: counts only), and the open dispatch orders with the dispatch rule
of each direction (the officer board and console: officers may see full plates).

The rules are the domain's: a truck holds a place in its yard while waiting or dispatched
(``gate.domain.yards.IN_YARD``), a yard is open by its hours (``is_open_at``), a position counts
while fresh (``gate.domain.geo.POSITION_FRESH``), a rule never set is the defaults of
``gate.domain.dispatch``."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.bookings import BookingStatus
from gate.domain.dispatch import DEFAULT_DEADLINE_MINUTES, DEFAULT_TARGET, OrderStatus
from gate.domain.geo import POSITION_FRESH
from gate.domain.plates import format_plate
from gate.domain.slots import Direction
from gate.domain.time import as_local
from gate.domain.yards import IN_YARD, VisitStatus, is_open_at
from gate.live.messages import DispatchedTruck, DispatchState, YardOccupancy
from gate.store.tables import (
    Booking,
    DispatchOrder,
    DispatchRule,
    Gate,
    TruckPosition,
    Yard,
    YardGate,
    YardVisit,
)

_IN_YARD = [status.value for status in IN_YARD]


async def yards_of_gate(session: AsyncSession, gate: Gate, now: datetime) -> list[YardOccupancy]:
    """Every yard that serves ``gate``, by code, with the trucks it holds now (all of them,
    whichever gate they are bound for: the capacity is the yard's) and how many of those have
    an open dispatch order. A yard taken out of service is still listed, as not open, while
    the trucks in it leave."""
    yards = list(
        await session.scalars(
            select(Yard)
            .join(YardGate, YardGate.yard_id == Yard.id)
            .where(YardGate.gate_id == gate.id)
            .order_by(Yard.code)
        )
    )
    if not yards:
        return []
    held: Counter[str] = Counter()
    dispatched: Counter[str] = Counter()
    for yard_id, status, count in await session.execute(
        select(YardVisit.yard_id, YardVisit.status, func.count())
        .where(YardVisit.yard_id.in_([y.id for y in yards]), YardVisit.status.in_(_IN_YARD))
        .group_by(YardVisit.yard_id, YardVisit.status)
    ):
        held[yard_id] += int(count)
        if status == VisitStatus.DISPATCHED.value:
            dispatched[yard_id] += int(count)
    hour = as_local(now).hour
    return [
        YardOccupancy(
            code=yard.code,
            name=yard.name,
            in_yard=held[yard.id],
            capacity=yard.capacity,
            dispatched=dispatched[yard.id],
            open=yard.closed_at is None and is_open_at(hour, yard.opens_at, yard.closes_at),
        )
        for yard in yards
    ]


async def on_the_way(session: AsyncSession, gate: Gate, now: datetime) -> int:
    """Trucks on their way to ``gate``: every open dispatch order to it, plus every booking of
    the gate whose driver shared a position within ``POSITION_FRESH`` and that is neither in
    the control yard (still ``booked``) nor in a waiting yard nor under an open order (counted
    once, by its order). A number, never who or where."""
    orders = await session.scalar(
        select(func.count())
        .select_from(DispatchOrder)
        .where(DispatchOrder.gate_id == gate.id, DispatchOrder.status == OrderStatus.OPEN.value)
    )
    in_a_yard = exists().where(
        YardVisit.booking_id == TruckPosition.booking_id, YardVisit.status.in_(_IN_YARD)
    )
    ordered = exists().where(
        DispatchOrder.booking_id == TruckPosition.booking_id,
        DispatchOrder.status == OrderStatus.OPEN.value,
    )
    driving = await session.scalar(
        select(func.count())
        .select_from(TruckPosition)
        .join(Booking, Booking.id == TruckPosition.booking_id)
        .where(
            TruckPosition.gate_id == gate.id,
            Booking.gate_id == gate.id,
            TruckPosition.recorded_at >= now - POSITION_FRESH,
            Booking.status == BookingStatus.BOOKED.value,
            ~in_a_yard,
            ~ordered,
        )
    )
    return int(orders or 0) + int(driving or 0)


async def dispatched_trucks(
    session: AsyncSession, gate: Gate, now: datetime
) -> list[DispatchedTruck]:
    """The open dispatch orders to ``gate``, soonest deadline first, with the truck's full
    plate, its yard, whether it has left the yard, and ``late`` once the deadline passed (the
    order stays open until dispatch marks it missed)."""
    rows = await session.execute(
        select(DispatchOrder, YardVisit, Yard, Booking.code)
        .join(YardVisit, YardVisit.id == DispatchOrder.visit_id)
        .join(Yard, Yard.id == DispatchOrder.yard_id)
        .outerjoin(Booking, Booking.id == DispatchOrder.booking_id)
        .where(DispatchOrder.gate_id == gate.id, DispatchOrder.status == OrderStatus.OPEN.value)
        .order_by(DispatchOrder.deadline_at, DispatchOrder.id)
    )
    return [
        DispatchedTruck(
            order_code=order.code,
            booking_code=booking_code,
            plate=format_plate(visit.plate),
            direction=order.direction,
            queue_class=order.queue_class,
            yard=yard.code,
            yard_name=yard.name,
            left_yard=visit.status == VisitStatus.EN_ROUTE.value,
            issued_at=as_local(order.issued_at),
            deadline_at=as_local(order.deadline_at),
            late=order.deadline_at <= now,
        )
        for order, visit, yard, booking_code in rows
    ]


async def dispatch_states(session: AsyncSession, gate: Gate) -> list[DispatchState]:
    """Each direction's dispatch rule at ``gate``; a direction never set shows the defaults
    dispatch applies to it (``DEFAULT_TARGET``, ``DEFAULT_DEADLINE_MINUTES``, not paused)."""
    rules = {
        rule.direction: rule
        for rule in await session.scalars(
            select(DispatchRule).where(DispatchRule.gate_id == gate.id)
        )
    }
    states = []
    for direction in Direction:
        rule = rules.get(direction.value)
        states.append(
            DispatchState(direction.value, DEFAULT_TARGET, DEFAULT_DEADLINE_MINUTES, False, None)
            if rule is None
            else DispatchState(
                direction.value,
                rule.target,
                rule.deadline_minutes,
                rule.paused,
                rule.paused_reason,
            )
        )
    return states


async def gates_of_yards(session: AsyncSession) -> dict[str, list[str]]:
    """Which gates (by code) each yard (by id) serves: the projector marks all of them when
    an event names only the yard."""
    served: dict[str, list[str]] = {}
    for yard_id, code in await session.execute(
        select(YardGate.yard_id, Gate.code).join(Gate, Gate.id == YardGate.gate_id)
    ):
        served.setdefault(yard_id, []).append(code)
    return served

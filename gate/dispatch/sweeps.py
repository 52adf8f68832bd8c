"""The dispatch sweeps, run with the platform's other sweeps (``gate/sweeps.py``) in any number
of processes at once:

* ``dispatch_all``: per gate and direction with trucks waiting in a yard, keep the control yard
  fed (``gate/domain/dispatch.py``), one short transaction each under the rule's row lock;
* ``sweep_missed_orders``: open orders past their deadline are missed (the truck waits again
  behind its class, or lapses at the second miss and its booking is a no-show), and open
  orders whose booking was cancelled are withdrawn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, or_, select

from gate.bookings.transitions import move
from gate.dispatch.orders import enterprise_of, issue, order_event, withdraw
from gate.dispatch.rules import lock_rule
from gate.dispatch.waiting import waiting_in_service_order
from gate.domain.bookings import BookingStatus
from gate.domain.dispatch import OrderStatus, after_miss, shortfall
from gate.domain.events import SYSTEM, BookingLapsed, DispatchMissed
from gate.domain.queue import QueueClass
from gate.domain.slots import Direction
from gate.domain.yards import VisitStatus, check_visit_move
from gate.gates.slots import release_place
from gate.store.tables import Booking, DispatchOrder, Gate, YardVisit
from gate.store.unit_of_work import UnitOfWork

BATCH = 500


async def dispatch_all(new_uow: Callable[[], UnitOfWork], now: datetime) -> int:
    """Dispatch for every gate and direction that has trucks waiting in a yard, each in a
    transaction of its own; how many orders were issued."""
    async with new_uow() as uow:
        pairs = list(
            await uow.session.execute(
                select(YardVisit.gate_id, YardVisit.direction)
                .where(YardVisit.status == VisitStatus.WAITING.value)
                .distinct()
            )
        )
    issued = 0
    for gate_id, direction in sorted(pairs):
        async with new_uow() as uow:
            issued += await dispatch_gate(uow, gate_id, direction, now)
            await uow.commit()
    return issued


async def _counts(uow: UnitOfWork, query: object) -> dict[QueueClass, int]:
    rows = await uow.session.execute(query)  # type: ignore[call-overload]
    return {QueueClass(c): n for c, n in rows if c is not None}


async def dispatch_gate(uow: UnitOfWork, gate_id: str, direction: str, now: datetime) -> int:
    """Issue the orders one gate direction needs now; how many. Under the rule row's lock,
    so the counts cannot change under it by another dispatcher: per class, the target less
    the trucks waiting in the control yard (bookings ``arrived``) and those with an open
    order; then the trucks waiting in the yards serving the gate (walk-ins, and those whose
    booking is still to be used: ``to_be_used``), in the gate's service order, each taken
    while its class still falls short. Nothing while paused."""
    rule = await lock_rule(uow, gate_id, direction)
    if rule.paused:
        return 0
    gate = await uow.session.get(Gate, gate_id)
    assert gate is not None
    in_control_yard = await _counts(
        uow,
        select(Booking.queue_class, func.count())
        .where(
            Booking.gate_id == gate_id,
            Booking.direction == direction,
            Booking.status == BookingStatus.ARRIVED.value,
        )
        .group_by(Booking.queue_class),
    )
    on_the_way = await _counts(
        uow,
        select(DispatchOrder.queue_class, func.count())
        .where(
            DispatchOrder.gate_id == gate_id,
            DispatchOrder.direction == direction,
            DispatchOrder.status == OrderStatus.OPEN.value,
        )
        .group_by(DispatchOrder.queue_class),
    )
    wanted = shortfall(rule.target, in_control_yard, on_the_way)
    if not any(wanted.values()):
        return 0
    issued = 0
    for visit in await waiting_in_service_order(uow, gate, Direction(direction)):
        if wanted[QueueClass(visit.queue_class)] <= 0:
            continue
        if await issue(uow, gate, rule, visit, SYSTEM, now) is not None:
            wanted[QueueClass(visit.queue_class)] -= 1
            issued += 1
        if not any(wanted.values()):
            break
    return issued


async def sweep_missed_orders(uow: UnitOfWork, now: datetime) -> int:
    """Close the open orders past their deadline as missed (the rule: gate/domain/dispatch.py)
    and withdraw those whose booking was cancelled; how many orders were closed.

    Lock order as the gate check-in's: bookings, then visits, then orders (each ``SKIP
    LOCKED``: a row another process holds is left for the next round), then slot rows."""
    cancelled = select(Booking.id).where(Booking.status == BookingStatus.CANCELLED.value)
    candidates = list(
        await uow.session.execute(
            select(DispatchOrder.id, DispatchOrder.visit_id, DispatchOrder.booking_id)
            .where(
                DispatchOrder.status == OrderStatus.OPEN.value,
                or_(DispatchOrder.deadline_at <= now, DispatchOrder.booking_id.in_(cancelled)),
            )
            .order_by(DispatchOrder.deadline_at)
            .limit(BATCH)
        )
    )
    if not candidates:
        return 0
    booking_ids = sorted({b for _, _, b in candidates if b is not None})
    bookings = {
        b.id: b
        for b in await uow.session.scalars(
            select(Booking)
            .where(Booking.id.in_(booking_ids))
            .order_by(Booking.id)
            .with_for_update(skip_locked=True)
        )
    }
    visits = {
        v.id: v
        for v in await uow.session.scalars(
            select(YardVisit)
            .where(YardVisit.id.in_(sorted({v for _, v, _ in candidates})))
            .order_by(YardVisit.id)
            .with_for_update(skip_locked=True)
        )
    }
    orders = await uow.session.scalars(
        select(DispatchOrder)
        .where(
            DispatchOrder.id.in_(sorted(o for o, _, _ in candidates)),
            DispatchOrder.status == OrderStatus.OPEN.value,
        )
        .order_by(DispatchOrder.id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    gates: dict[str, Gate] = {}
    freed: Counter[str] = Counter()
    closed = 0
    for order in list(orders):
        visit = visits.get(order.visit_id)
        booking = bookings.get(order.booking_id) if order.booking_id else None
        if visit is None or (order.booking_id is not None and booking is None):
            continue  # held by another process: the next round takes it
        gate = gates.get(order.gate_id) or await uow.session.get(Gate, order.gate_id)
        assert gate is not None
        gates[gate.id] = gate
        if booking is not None and booking.status == BookingStatus.CANCELLED.value:
            await withdraw(uow, gate, order, visit, SYSTEM, now, "the booking was cancelled")
        elif order.deadline_at <= now:
            if await _missed(uow, gate, order, visit, booking, now):
                assert booking is not None
                freed[booking.slot_id] += 1
        else:
            continue
        closed += 1
    for slot_id in sorted(freed):
        await release_place(uow, slot_id, freed[slot_id])
    await uow.session.flush()
    return closed


async def _missed(
    uow: UnitOfWork,
    gate: Gate,
    order: DispatchOrder,
    visit: YardVisit,
    booking: Booking | None,
    now: datetime,
) -> bool:
    """One order missed; whether its booking became a no-show (its place to give back)."""
    order.status = OrderStatus.MISSED.value
    order.active_visit_id = None
    order.closed_at = now
    missed, lapses = after_miss(visit.missed_orders)
    visit.missed_orders = missed
    target = VisitStatus.LAPSED if lapses else VisitStatus.WAITING
    check_visit_move(VisitStatus(visit.status), target)
    visit.status = target.value
    visit.version += 1
    if lapses:
        visit.active_plate = None
        visit.ended_at = now
        visit.end_reason = f"missed {missed} dispatch orders"
    else:
        visit.behind = True
    no_show = lapses and booking is not None and booking.status == BookingStatus.BOOKED.value
    if no_show:
        assert booking is not None
        move(
            uow,
            booking,
            gate,
            BookingStatus.NO_SHOW,
            BookingLapsed,
            SYSTEM,
            reason=f"missed {missed} dispatch orders",
        )
    uow.record(
        order_event(
            DispatchMissed,
            order,
            gate,
            await enterprise_of(uow, order.booking_id),
            from_status=OrderStatus.OPEN.value,
            to_status=OrderStatus.MISSED.value,
            facts={"missed_orders": missed, "lapsed": lapses},
        )
    )
    return no_show

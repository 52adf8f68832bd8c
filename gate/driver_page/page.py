"""What the driver's page shows for one booking: the booking (with its plate: the page is
private to the link's holder), where the truck waits, its place in the control yard's queue
and the forecast of its call (the yard's own functions, gate/yard/places.py), its dispatch
order, what to do next, and the crossing's fee (its amount, status and invoice number)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gate.bookings.service import gate_of
from gate.domain.bookings import BookingStatus
from gate.domain.dispatch import OrderStatus
from gate.domain.driver import Step, next_step
from gate.domain.forecast import to_the_minute
from gate.domain.yards import IN_YARD
from gate.driver_page.road import Road, roads
from gate.fees.refunds import fee_of
from gate.store.tables import Booking, Gate
from gate.store.tables.fees import Fee
from gate.store.unit_of_work import UnitOfWork
from gate.yard.places import places_in_queue, predicted_call, service_rates


@dataclass(frozen=True, slots=True)
class Queue:
    """The truck's place in its gate's control-yard queue (1: next) and when it should be
    called (None: no measured rate yet)."""

    place: int
    estimated_call_at: datetime | None


@dataclass(frozen=True, slots=True)
class TruckPage:
    booking: Booking
    gate: Gate
    road: Road
    queue: Queue | None
    step: Step
    fee: Fee | None = None  # None: no fee was fixed for the crossing


async def truck_page(uow: UnitOfWork, booking: Booking, now: datetime) -> TruckPage:
    """Everything the page shows for ``booking`` at ``now``."""
    gate = await gate_of(uow, booking)
    road = (await roads(uow, [booking.id], now))[booking.id]
    queue = None
    if booking.status == BookingStatus.ARRIVED.value:
        [place] = await places_in_queue(uow, gate, [(booking, 0)])
        if place is not None:
            rates = await service_rates(uow, gate, [(booking.direction, now)])
            call = predicted_call(now, place, rates[booking.direction, now])
            queue = Queue(place, to_the_minute(call) if call else None)
    in_yard = road.yard is not None and road.yard.status in {s.value for s in IN_YARD}
    has_order = road.order is not None and road.order.status == OrderStatus.OPEN.value
    step = next_step(booking.status, in_yard, has_order)
    return TruckPage(booking, gate, road, queue, step, await fee_of(uow, booking.id))

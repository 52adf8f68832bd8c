"""The control yard as it is now, where today's forecast starts (gate/planning/measured.py):
the trucks checked in and not yet called, the lanes finishing a truck, and the calls already
made in the hour under way (they count against the other side's places of that hour).

Read from the bookings' rows as the yard keeps them: a truck waits while its booking is
``arrived`` (gate/yard/service.py::waiting, the board's queue); a lane set open (the ones
today's forecast works, gate/planning/lanes.py) is busy while the truck it called last is
called, in inspection, held or cleared and has not exited. Times are
minutes into the local day from ``start`` (a truck waiting since the day before has a
negative minute: the time it has waited is kept)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from gate.domain.bookings import BookingStatus
from gate.domain.time import floor_to_slot
from gate.planning.model import Arrival
from gate.planning.rows import class_of, minutes_into
from gate.store.tables import Booking, Gate, Lane
from gate.store.unit_of_work import UnitOfWork

# A called truck holds its lane in these states, until it exits (or is turned back).
AT_A_LANE = {
    BookingStatus.CALLED.value,
    BookingStatus.IN_INSPECTION.value,
    BookingStatus.HELD.value,
    BookingStatus.CLEARED.value,
}


@dataclass(frozen=True, slots=True)
class YardNow:
    """``start``: now, in minutes into the day (0 for a day not under way); ``waiting``: the
    trucks in the queue, each with its arrival minute and class, in arrival order; ``busy``:
    per lane code, the minutes its truck under way has been at it; ``crossed``: per hour of
    the day, the trucks called in it before now."""

    start: float = 0.0
    waiting: tuple[Arrival, ...] = ()
    busy: Mapping[str, float] = field(default_factory=dict)
    crossed: Mapping[int, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """The numbers the notes give: trucks waiting, those of them since before midnight,
        lanes finishing a truck."""
        earlier = sum(1 for truck in self.waiting if truck.minute < 0)
        return {"waiting": len(self.waiting), "earlier": earlier, "busy": len(self.busy)}


async def yard_now(
    uow: UnitOfWork, gate: Gate, direction: str, start: datetime, now: datetime
) -> YardNow:
    """The yard of ``direction`` at ``gate`` at ``now``, for the day beginning at ``start``
    (``now`` within that day)."""
    waiting_rows = await uow.session.execute(
        select(Booking.arrived_at, Booking.queue_class, Booking.perishable)
        .where(Booking.gate_id == gate.id, Booking.direction == direction)
        .where(Booking.status == BookingStatus.ARRIVED.value, Booking.arrived_at <= now)
        .order_by(Booking.arrived_at)
    )
    waiting = tuple(
        Arrival(minutes_into(arrived_at, start), class_of(queue_class, perishable))
        for arrived_at, queue_class, perishable in waiting_rows.all()
        if arrived_at is not None  # selected by it
    )
    lanes = await uow.session.execute(
        select(Lane.code, func.max(Booking.called_at))
        .join(Lane, Lane.id == Booking.lane_id)
        .where(Booking.gate_id == gate.id, Booking.direction == direction)
        .where(Booking.status.in_(sorted(AT_A_LANE)), Booking.exited_at.is_(None))
        .where(Booking.called_at <= now, Lane.direction == direction, Lane.is_open.is_(True))
        .group_by(Lane.code)
    )
    # The latest call of a lane is the truck it is serving (an earlier one still open is
    # a row the officers left behind, not a second truck at one lane).
    busy = {code: minutes_into(now, called) for code, called in lanes.all() if called is not None}
    hour = floor_to_slot(now)
    called = await uow.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.gate_id == gate.id, Booking.direction == direction)
        .where(Booking.called_at >= hour, Booking.called_at < now)
    )
    minute = minutes_into(now, start)
    return YardNow(
        start=minute,
        waiting=waiting,
        busy=busy,
        crossed={int(minute // 60): int(called or 0)},
    )

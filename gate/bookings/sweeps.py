"""The no-show sweep: bookings whose vehicle never arrived give their place back."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import exists, select

from gate.bookings.transitions import move
from gate.domain.bookings import QUEUE_ENTRY_LIFETIME, BookingStatus
from gate.domain.checkin import GraceWindow, no_show_deadline
from gate.domain.events import SYSTEM, BookingLapsed
from gate.domain.yards import OPEN
from gate.gates.grace import grace_of
from gate.gates.slots import release_place
from gate.store.tables import Booking, Gate, YardVisit
from gate.store.unit_of_work import UnitOfWork

BATCH = 500


async def sweep_no_shows(uow: UnitOfWork, now: datetime) -> int:
    """Mark booked vehicles past their no-show deadline as no-shows and release their places.
    Safe to run in several processes at once: rows another sweeper holds are skipped.

    A booking whose truck has an open visit in a waiting yard is present, not a no-show: the
    platform holds it there until dispatch sends it on, and its lapse is dispatch's, at the
    second missed order (gate/domain/checkin.py::judge_held_arrival, gate/domain/dispatch.py)."""
    # The earliest any gate's deadline can fall: grace windows are never negative.
    earliest = no_show_deadline(now, GraceWindow(late=now - now)) - now
    in_yard = exists().where(
        YardVisit.booking_id == Booking.id,
        YardVisit.status.in_(sorted(status.value for status in OPEN)),
    )
    candidates = await uow.session.scalars(
        select(Booking)
        .where(
            Booking.status == BookingStatus.BOOKED.value,
            Booking.slot_start < now - earliest,
            ~in_yard,
        )
        .order_by(Booking.slot_start)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    gates: dict[str, Gate] = {}
    freed: Counter[str] = Counter()
    for booking in list(candidates):
        gate = gates.get(booking.gate_id) or await uow.session.get(Gate, booking.gate_id)
        assert gate is not None
        gates[gate.id] = gate
        if now < no_show_deadline(booking.slot_start, grace_of(gate)):
            continue
        freed[booking.slot_id] += 1
        move(
            uow, booking, gate, BookingStatus.NO_SHOW, BookingLapsed, SYSTEM, reason="never arrived"
        )
    # The lock order: the bookings are locked above, the slot rows now, each once, by id.
    # Freed in slot-time order they deadlocked with check-ins freeing the same hours by id.
    for slot_id in sorted(freed):
        await release_place(uow, slot_id, freed[slot_id])
    await uow.session.flush()
    return freed.total()


async def sweep_expired_queue_entries(uow: UnitOfWork, now: datetime) -> int:
    """Expire queue entries older than QUEUE_ENTRY_LIFETIME."""
    stale = await uow.session.scalars(
        select(Booking)
        .where(
            Booking.status == BookingStatus.ARRIVED.value,
            Booking.arrived_at < now - QUEUE_ENTRY_LIFETIME,
        )
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    swept = 0
    for booking in list(stale):
        gate = await uow.session.get(Gate, booking.gate_id)
        assert gate is not None
        move(
            uow,
            booking,
            gate,
            BookingStatus.EXPIRED,
            BookingLapsed,
            SYSTEM,
            reason="waited a day without being called",
        )
        swept += 1
    await uow.session.flush()
    return swept

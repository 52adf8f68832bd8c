"""Camera reads waiting for an officer: those that fit several expected trucks."""

from __future__ import annotations

from sqlalchemy import select

from gate.store.tables import Booking, Gate, PendingRead
from gate.store.unit_of_work import UnitOfWork


async def pending_reads(uow: UnitOfWork, gate: Gate) -> list[tuple[PendingRead, list[Booking]]]:
    """The gate's reads waiting for an officer, oldest first, each with its candidate trucks
    (those still active, by slot then plate, so every screen lists them alike; a read none of
    whose trucks is still active is left out)."""
    rows = list(
        await uow.session.scalars(
            select(PendingRead)
            .where(PendingRead.gate_id == gate.id, PendingRead.resolved_at.is_(None))
            .order_by(PendingRead.observed_at, PendingRead.id)
        )
    )
    wanted = {booking_id for row in rows for booking_id in row.candidates}
    bookings = {}
    if wanted:
        bookings = {
            b.id: b
            for b in await uow.session.scalars(select(Booking).where(Booking.id.in_(wanted)))
        }
    waiting = []
    for row in rows:
        active = sorted(
            (bookings[i] for i in row.candidates if i in bookings and bookings[i].active_plate),
            key=lambda b: (b.slot_start, b.plate),
        )
        if active:  # once every candidate's booking ended there is nothing left to confirm
            waiting.append((row, active))
    return waiting

"""What must hold after any load run, however hard it was: no slot over capacity, every
acknowledged check-in stored exactly once, the audit chain intact, and every board a viewer
ended with equal to the board computed from the database."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import func, select

from gate.config import Settings
from gate.domain.bookings import BookingStatus
from gate.store.audit import verify
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import AuditLogEntry, Booking, CheckinRecord, Device, Slot

# A booking keeps its place unless it was cancelled or never came.
PLACE_RELEASED = (BookingStatus.CANCELLED.value, BookingStatus.NO_SHOW.value)


async def check_database(database_url: str, acknowledged: dict[tuple[str, str], str]) -> list[str]:
    problems: list[str] = []
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with create_session_factory(engine, read_only=True)() as session:
            over = await session.scalar(
                select(func.count()).select_from(Slot).where(Slot.booked > Slot.capacity)
            )
            if over:
                problems.append(f"{over} slots hold more bookings than their capacity")
            held = (
                select(Booking.slot_id, func.count().label("n"))
                .where(Booking.status.not_in(PLACE_RELEASED))
                .group_by(Booking.slot_id)
                .subquery()
            )
            mismatched = await session.scalar(
                select(func.count())
                .select_from(Slot)
                .outerjoin(held, held.c.slot_id == Slot.id)
                .where(Slot.booked != func.coalesce(held.c.n, 0))
            )
            if mismatched:
                problems.append(f"{mismatched} slots count differently from their bookings")
            lookups = {d.lookup: d.id for d in await session.scalars(select(Device))}
            stored = {
                (device_id, event_id)
                for device_id, event_id in await session.execute(
                    select(CheckinRecord.device_id, CheckinRecord.event_id)
                )
            }
            missing = [
                key
                for key in acknowledged
                if (lookups.get(key[0].split("_")[1]), key[1]) not in stored
            ]
            if missing:
                problems.append(f"{len(missing)} acknowledged check-ins are not stored")
            twice = await session.scalar(
                select(func.count()).select_from(
                    select(AuditLogEntry.subject_id)
                    .where(AuditLogEntry.event == "vehicle.arrived")
                    .group_by(AuditLogEntry.subject_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
            if twice:
                problems.append(f"{twice} vehicles were checked in more than once")
            breaks, _ = await verify(session)
            problems += [f"audit chain {b.chain} broken at {b.seq}: {b.reason}" for b in breaks]
    finally:
        await engine.dispose()
    return problems


def check_boards(base: str, gate: str, final_states: list[dict[str, Any]]) -> list[str]:
    """Every viewer's final board equal to the one computed from the database now: all of it,
    the queue and also the waiting yards' occupancy and the trucks on the way (issue 14), so a
    field added to the board is compared without a line here."""
    truth = httpx.get(f"{base}/api/v1/gates/{gate}/board", timeout=30).json()
    differing = sum(1 for state in final_states if state != truth)
    if differing:
        return [
            f"{differing} of {len(final_states)} viewers ended with a board unlike the database's"
        ]
    return []


def check_all(
    base: str,
    gate: str,
    database_url: str,
    acknowledged: dict[tuple[str, str], str],
    final_states: list[dict[str, Any]],
) -> list[str]:
    problems = asyncio.run(check_database(database_url, acknowledged))
    return problems + check_boards(base, gate, final_states)

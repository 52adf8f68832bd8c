"""The fee schedules the tests need, written through the use case (gate/fees/schedules.py) and
committed, as the administration's API would."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.events import Actor
from gate.domain.fees import ANY, Rate
from gate.domain.time import utc_now
from gate.fees.schedules import make_version
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Booking, Gate
from gate.store.tables.fees import Fee
from gate.store.unit_of_work import UnitOfWork

# Illustrative rates (VND), not a council's: a catch-all per direction and a dearer container.
RATES = (
    Rate("export", ANY, ANY, 1_500_000),
    Rate("import", ANY, ANY, 1_200_000),
    Rate("export", "container", ANY, 2_000_000),
)


async def make_schedule(
    settings: Settings,
    gate_code: str = "tan-thanh",
    *,
    effective_from: datetime | None = None,
    rates: tuple[Rate, ...] = RATES,
    decision: str = "Nghị quyết 01/2026/NQ-HĐND (thử nghiệm)",
    now: datetime | None = None,
) -> str:
    """A new version of the gate's schedule, in force from ``effective_from`` (default: now);
    its id. ``now``: the instant the administration makes it (default: the clock; a version
    made "in the past" for a test passes an earlier ``now``)."""
    moment = now or utc_now()
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            gate = await uow.session.scalar(select(Gate).where(Gate.code == gate_code))
            assert gate is not None
            made = await make_version(
                uow,
                gate,
                effective_from=effective_from or moment,
                decision=decision,
                rates=rates,
                now=moment,
                actor=Actor("admin"),
            )
            await uow.commit()
            return made.schedule.id
    finally:
        await engine.dispose()


async def fee_of_booking(uow: UnitOfWork, booking_id: str) -> Fee | None:
    """The fee fixed for a booking, read fresh (a new read transaction: SQLite's would keep
    the snapshot of its first read)."""
    await uow.session.rollback()
    return await uow.session.scalar(
        select(Fee).where(Fee.booking_id == booking_id).execution_options(populate_existing=True)
    )


async def fee_unpaid(uow: UnitOfWork, booking_id: str) -> bool:
    """The booking's unpaid-fee flag, read fresh (a new read transaction)."""
    await uow.session.rollback()
    flag = await uow.session.scalar(select(Booking.fee_unpaid).where(Booking.id == booking_id))
    return bool(flag)

"""What the monthly statements' tests need: an agreement made as of a chosen instant (the
API refuses one starting in the past), a booking made as of a chosen instant before its
hour, and a month's statement issued by the sweep, all through the use cases and committed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta

from gate.bookings.service import BookingRules, Cargo, NewBooking, cancel_booking, create_booking
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.events import Actor
from gate.domain.no_shows import DEFAULT_POLICY
from gate.domain.slots import Direction
from gate.domain.statements import month_bounds
from gate.domain.time import LOCAL_TZ
from gate.fees.agreements import make_agreement
from gate.store.database import create_engine, create_session_factory
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Enterprise


@asynccontextmanager
async def writer(settings: Settings) -> AsyncIterator[UnitOfWork]:
    """A unit of work of its own engine (commit it to keep what it did)."""
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            yield uow
    finally:
        await engine.dispose()


def day_at(month: date, day: int, hour: int) -> datetime:
    """An hour of a day of ``month`` on the gates' clock."""
    return datetime(month.year, month.month, day, hour, tzinfo=LOCAL_TZ)


def before_month(month: date, days: int) -> datetime:
    """``days`` before the month's first local midnight."""
    return month_bounds(month)[0] - timedelta(days=days)


async def agreement_as_of(
    settings: Settings, enterprise_id: str, valid_from: date, made_at: datetime
) -> str:
    """An open-ended agreement from ``valid_from``, made by the administrator at
    ``made_at``; its id."""
    async with writer(settings) as uow:
        made = await make_agreement(
            uow,
            enterprise_id,
            valid_from=valid_from,
            valid_until=None,
            reference="HĐ 12/2026/TT-LS",
            now=made_at,
            actor=Actor("admin"),
        )
        await uow.commit()
        return made.id


async def book_made_at(
    settings: Settings, enterprise: Enterprise, slot: datetime, made_at: datetime
) -> str:
    """A booking of a new container truck of ``enterprise`` for ``slot`` (export, Tân
    Thanh, 12 t) made at ``made_at``; its id."""
    vehicle = await enterprise.vehicle()
    driver = await enterprise.driver()
    async with writer(settings) as uow:
        new = NewBooking(
            gate="tan-thanh",
            direction=Direction.EXPORT,
            slot_start=slot,
            vehicle_id=vehicle["id"],
            driver_id=driver["id"],
            cargo=Cargo("Hàng tổng hợp", 12000),
        )
        rules = BookingRules(now=made_at, horizon=timedelta(days=14), no_shows=DEFAULT_POLICY)
        actor = Actor("enterprise", enterprise.id, "enterprise")
        booking = await create_booking(uow, enterprise.id, new, rules, actor)
        await uow.commit()
        return booking.id


async def cancel_at(
    settings: Settings, enterprise: Enterprise, booking_id: str, at: datetime
) -> None:
    """The enterprise cancels its booking at ``at`` (the refund rule reads the notice)."""
    async with writer(settings) as uow:
        actor = Actor("enterprise", enterprise.id, "enterprise")
        await cancel_booking(uow, enterprise.id, booking_id, None, None, at, actor)
        await uow.commit()

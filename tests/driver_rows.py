"""Rows the driver's page reads but does not make: waiting yards, trucks' visits to them and
dispatch orders (their use cases are gate/yards/ and gate/dispatch/). Inserted through the
UnitOfWork, as those use cases would leave them, so the page's tests need neither."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from gate.bus.events import EventBus
from gate.config import Settings
from gate.domain.dispatch import OrderStatus
from gate.domain.time import utc_now
from gate.domain.yards import VisitStatus
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import (
    Booking,
    DispatchOrder,
    DriverLink,
    Enterprise,
    Gate,
    Yard,
    YardGate,
    YardVisit,
)
from gate.store.unit_of_work import UnitOfWork

_n = itertools.count(1)

# Where things are (approximately): Tân Thanh gate, and two yards on the way to it.
TAN_THANH = (21.9590, 106.7230)
NEAR_YARD = (21.9300, 106.7100)  # about 3.5 km from the gate
FAR_YARD = (21.8500, 106.7600)  # about 12 km from the gate
LANG_SON_CITY = (21.8530, 106.7610)  # a truck coming up from the city


class Rows:
    """Write rows straight into the test's database, one committed transaction each."""

    def __init__(self, settings: Settings, bus: EventBus) -> None:
        self._engine = create_engine(settings)
        self._factory = create_session_factory(self._engine)
        self._bus = bus

    async def close(self) -> None:
        await self._engine.dispose()

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._factory, self._bus)

    async def place_gate(self, code: str, at: tuple[float, float]) -> None:
        async with self.unit_of_work() as uow:
            await uow.session.execute(
                update(Gate).where(Gate.code == code).values(latitude=at[0], longitude=at[1])
            )
            await uow.commit()

    async def yard(
        self, name: str, gate: str, at: tuple[float, float] | None, **extra: object
    ) -> str:
        """A yard of a new yard enterprise, serving ``gate``; its id."""
        n = next(_n)
        async with self.unit_of_work() as uow:
            owner = Enterprise(name=f"Bãi {n}", tax_code=f"49{n:04d}{secrets.randbelow(10**6):06d}")
            owner.kind = "yard"
            uow.session.add(owner)
            await uow.session.flush()
            yard = Yard(
                code=f"yard-{n}-{secrets.token_hex(3)}",
                name=name,
                enterprise_id=owner.id,
                capacity=100,
                latitude=at[0] if at else None,
                longitude=at[1] if at else None,
                **extra,
            )
            uow.session.add(yard)
            await uow.session.flush()
            gate_id = await uow.session.scalar(select(Gate.id).where(Gate.code == gate))
            uow.session.add(YardGate(yard_id=yard.id, gate_id=gate_id))
            await uow.commit()
            return yard.id

    async def visit(
        self, booking_id: str, yard_id: str, status: VisitStatus = VisitStatus.WAITING
    ) -> str:
        """The booking's truck checked into the yard; the visit's id."""
        async with self.unit_of_work() as uow:
            booking = await uow.session.get(Booking, booking_id)
            assert booking is not None
            now = utc_now()
            open_ = status in (VisitStatus.WAITING, VisitStatus.DISPATCHED, VisitStatus.EN_ROUTE)
            visit = YardVisit(
                yard_id=yard_id,
                gate_id=booking.gate_id,
                direction=booking.direction,
                plate=booking.plate,
                active_plate=booking.plate if open_ else None,
                booking_id=booking.id,
                queue_class=booking.queue_class or "regular",
                slot_start=booking.slot_start,
                status=status.value,
                entered_at=now,
            )
            uow.session.add(visit)
            await uow.commit()
            return visit.id

    async def order(self, visit_id: str, minutes: int = 45) -> tuple[str, datetime]:
        """A dispatch order for the visit's truck (the visit becomes dispatched); its code
        and deadline."""
        async with self.unit_of_work() as uow:
            visit = await uow.session.get(YardVisit, visit_id)
            assert visit is not None
            now = utc_now()
            visit.status = VisitStatus.DISPATCHED.value
            order = DispatchOrder(
                code=f"LDT{next(_n):05d}",
                visit_id=visit.id,
                active_visit_id=visit.id,
                booking_id=visit.booking_id,
                yard_id=visit.yard_id,
                gate_id=visit.gate_id,
                direction=visit.direction,
                queue_class=visit.queue_class,
                status=OrderStatus.OPEN.value,
                issued_at=now,
                deadline_at=now + timedelta(minutes=minutes),
                issued_by="system",
            )
            uow.session.add(order)
            await uow.commit()
            return order.code, order.deadline_at

    async def set_booking_status(self, booking_id: str, status: str) -> None:
        async with self.unit_of_work() as uow:
            await uow.session.execute(
                update(Booking).where(Booking.id == booking_id).values(status=status)
            )
            await uow.commit()

    async def expire_links(self, booking_id: str) -> None:
        """Every link of the booking past its end, as if its days had gone by."""
        async with self.unit_of_work() as uow:
            await uow.session.execute(
                update(DriverLink)
                .where(DriverLink.booking_id == booking_id)
                .values(expires_at=utc_now() - timedelta(seconds=1))
            )
            await uow.commit()

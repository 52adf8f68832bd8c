"""Rows the driver's page tests cannot reach quickly through the API: a gate's coordinates
(seeded, not set by any route) and links past their end (days away). Yards, the trucks in them
and dispatch orders are made through the API (tests/yards.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from gate.bus.events import EventBus
from gate.config import Settings
from gate.domain.time import utc_now
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import DriverLink, Gate
from gate.store.unit_of_work import UnitOfWork

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

    async def expire_links(self, booking_id: str) -> None:
        """Every link of the booking past its end, as if its days had gone by."""
        async with self.unit_of_work() as uow:
            await uow.session.execute(
                update(DriverLink)
                .where(DriverLink.booking_id == booking_id)
                .values(expires_at=utc_now() - timedelta(seconds=1))
            )
            await uow.commit()

"""Waiting yards and the trucks in them, as rows: the yard check-ins are built elsewhere
(gate/yards/), so the dispatch tests put the rows there themselves, through a UnitOfWork, as
a yard check-in leaves them (gate/store/tables/yards.py, ``YardVisit``): status ``waiting``,
``active_plate`` set, the queue class and slot the gate's queue would give the truck, entered
at ``entered_at``, heading for ``gate_id`` in ``direction``, with or without a booking."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.plates import normalise_plate
from gate.domain.yards import VisitStatus
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Enterprise, Gate, Yard, YardGate, YardVisit
from gate.store.unit_of_work import UnitOfWork

_numbers = itertools.count(1)


class Rows:
    """Writes and reads the database of a test directly (its own engine)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = create_session_factory(engine)

    def new_uow(self) -> UnitOfWork:
        """A unit of work as the platform's sweeps get one."""
        return UnitOfWork(self._sessions, InMemoryEventBus())

    async def gate_id(self, code: str) -> str:
        async with self.new_uow() as uow:
            gate_id = await uow.session.scalar(select(Gate.id).where(Gate.code == code))
            assert gate_id is not None
            return gate_id

    async def yard(self, gates: tuple[str, ...] = ("tan-thanh",), capacity: int = 500) -> str:
        """A waiting yard of a new yard enterprise, serving ``gates``; its id."""
        n = next(_numbers)
        async with self.new_uow() as uow:
            owner = Enterprise(name=f"Bến bãi {n}", tax_code=f"48{n:08d}", kind="yard")
            uow.session.add(owner)
            await uow.session.flush()
            yard = Yard(
                code=f"bai-{n}", name=f"Bãi chờ {n}", enterprise_id=owner.id, capacity=capacity
            )
            uow.session.add(yard)
            await uow.session.flush()
            for code in gates:
                gate_id = await uow.session.scalar(select(Gate.id).where(Gate.code == code))
                uow.session.add(YardGate(yard_id=yard.id, gate_id=gate_id))
            await uow.session.commit()
            return yard.id

    async def visit(
        self,
        yard_id: str,
        plate: str,
        *,
        queue_class: str = "regular",
        slot_start: datetime,
        entered_at: datetime,
        gate: str = "tan-thanh",
        direction: str = "export",
        booking_id: str | None = None,
        behind: bool = False,
    ) -> str:
        """A truck waiting in the yard (as a yard check-in leaves it); the visit's id."""
        normal = normalise_plate(plate)
        async with self.new_uow() as uow:
            gate_id = await uow.session.scalar(select(Gate.id).where(Gate.code == gate))
            assert gate_id is not None
            visit = YardVisit(
                yard_id=yard_id,
                gate_id=gate_id,
                direction=direction,
                plate=normal,
                active_plate=normal,
                booking_id=booking_id,
                queue_class=queue_class,
                slot_start=slot_start,
                status=VisitStatus.WAITING.value,
                entered_at=entered_at,
                behind=behind,
            )
            uow.session.add(visit)
            await uow.session.commit()
            return visit.id

    async def visit_row(self, visit_id: str) -> YardVisit:
        async with self.new_uow() as uow:
            visit = await uow.session.get(YardVisit, visit_id)
            assert visit is not None
            uow.session.expunge(visit)  # read as it is now, after the session ends
            return visit


@asynccontextmanager
async def rows_of(settings: Settings) -> AsyncIterator[Rows]:
    engine = create_engine(settings)
    try:
        yield Rows(engine)
    finally:
        await engine.dispose()


def truck_plate() -> str:
    """A fresh truck plate for a walk-in visit (no vehicle registered)."""
    n = next(_numbers)
    return f"20C-{500 + n // 100:03d}.{n % 100:02d}"

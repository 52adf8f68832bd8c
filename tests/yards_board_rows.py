"""Waiting yards, trucks in them, dispatch orders and shared positions, written straight into
the store through a UnitOfWork, for the tests of what the boards and the console show of them
in states the API reaches only slowly (every visit status at once, orders past their
deadline, positions gone stale). The rows are what the use cases (yard check-ins, dispatch,
the driver's page) leave behind; tests that need no such state use the API (tests/yards.py).

    async with yard_rows(settings, bus) as rows:
        yard = await rows.yard("bai-tan-thanh", ["tan-thanh"], capacity=40)
        visit = await rows.visit(yard, "tan-thanh", "12C77777")
        rows.announce("yard.entered", yard_id=yard.id)
    # committed here; the announced events are published after the commit
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import select

from gate.bus.events import EventBus, InMemoryEventBus
from gate.config import Settings
from gate.domain.dispatch import OrderStatus
from gate.domain.events import DomainEvent
from gate.domain.time import utc_now
from gate.domain.yards import OPEN, VisitStatus
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import (
    DispatchOrder,
    DispatchRule,
    Enterprise,
    Gate,
    TruckPosition,
    Yard,
    YardGate,
    YardVisit,
)
from gate.store.unit_of_work import UnitOfWork

_counter = itertools.count(1)


@dataclass(frozen=True, kw_only=True)
class RoadEvent(DomainEvent):
    """An event as the yards' and dispatch's use cases publish them (``yard.entered``,
    ``dispatch.issued``, ...): named by its ``name``, carrying the gate and yard ids only."""

    name: ClassVar[str] = "road.changed"
    event_name: str
    gate_id: str | None = None
    yard_id: str | None = None

    def payload(self) -> dict[str, object]:
        named = {"gate_id": self.gate_id, "yard_id": self.yard_id}
        return {"event": self.event_name, **{k: v for k, v in named.items() if v is not None}}


class Rows:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def gate(self, code: str) -> Gate:
        found = await self.uow.session.scalar(select(Gate).where(Gate.code == code))
        assert found is not None, code
        return found

    async def yard(
        self,
        code: str,
        gates: Sequence[str],
        capacity: int = 100,
        *,
        name: str | None = None,
        opens_at: int = 0,
        closes_at: int = 24,
        closed: bool = False,
    ) -> Yard:
        """A yard of a new yard enterprise, serving ``gates`` (codes)."""
        n = next(_counter)
        owner = Enterprise(name=f"Công ty bến bãi {n}", tax_code=f"{4800000000 + n}", kind="yard")
        self.uow.session.add(owner)
        await self.uow.session.flush()
        yard = Yard(
            code=code,
            name=name or f"Bãi chờ {code}",
            enterprise_id=owner.id,
            capacity=capacity,
            opens_at=opens_at,
            closes_at=closes_at,
            closed_at=utc_now() if closed else None,
        )
        self.uow.session.add(yard)
        await self.uow.session.flush()
        for gate_code in gates:
            self.uow.session.add(YardGate(yard_id=yard.id, gate_id=(await self.gate(gate_code)).id))
        await self.uow.session.flush()
        return yard

    async def visit(
        self,
        yard: Yard,
        gate_code: str,
        plate: str,
        status: VisitStatus = VisitStatus.WAITING,
        *,
        booking_id: str | None = None,
        direction: str = "export",
        queue_class: str = "regular",
    ) -> YardVisit:
        """A truck's stay in ``yard`` (``plate`` normalised), bound for ``gate_code``."""
        now = utc_now()
        visit = YardVisit(
            yard_id=yard.id,
            gate_id=(await self.gate(gate_code)).id,
            direction=direction,
            plate=plate,
            active_plate=plate if status in OPEN else None,
            booking_id=booking_id,
            queue_class=queue_class,
            slot_start=now,
            status=status.value,
            entered_at=now - timedelta(hours=1),
            departed_at=now if status is VisitStatus.EN_ROUTE else None,
            ended_at=None if status in OPEN else now,
        )
        self.uow.session.add(visit)
        await self.uow.session.flush()
        return visit

    async def order(
        self,
        visit: YardVisit,
        deadline_at: datetime,
        status: OrderStatus = OrderStatus.OPEN,
        *,
        issued_by: str = "system",
    ) -> DispatchOrder:
        """A dispatch order for ``visit``'s truck to its gate, due at ``deadline_at``."""
        order = DispatchOrder(
            code=f"LDT{next(_counter):06d}",
            visit_id=visit.id,
            active_visit_id=visit.id if status is OrderStatus.OPEN else None,
            booking_id=visit.booking_id,
            yard_id=visit.yard_id,
            gate_id=visit.gate_id,
            direction=visit.direction,
            queue_class=visit.queue_class,
            status=status.value,
            issued_at=deadline_at - timedelta(hours=1),
            deadline_at=deadline_at,
            issued_by=issued_by,
            closed_at=None if status is OrderStatus.OPEN else utc_now(),
        )
        self.uow.session.add(order)
        await self.uow.session.flush()
        return order

    async def rule(
        self, gate_code: str, direction: str, target: int, *, paused_reason: str | None = None
    ) -> None:
        """A gate direction's dispatch rule; paused when given a reason."""
        self.uow.session.add(
            DispatchRule(
                gate_id=(await self.gate(gate_code)).id,
                direction=direction,
                target=target,
                deadline_minutes=45,
                paused=paused_reason is not None,
                paused_reason=paused_reason,
            )
        )
        await self.uow.session.flush()

    async def position(
        self,
        booking_id: str,
        gate_code: str,
        latitude: float,
        longitude: float,
        recorded_at: datetime | None = None,
    ) -> None:
        """The last position a driver shared for ``booking_id`` (one row per booking)."""
        self.uow.session.add(
            TruckPosition(
                booking_id=booking_id,
                gate_id=(await self.gate(gate_code)).id,
                latitude=latitude,
                longitude=longitude,
                accuracy_m=12.0,
                recorded_at=recorded_at or utc_now(),
                destination="gate",
                estimated_arrival_at=utc_now() + timedelta(minutes=25),
            )
        )
        await self.uow.session.flush()

    def announce(
        self, event: str, *, gate_id: str | None = None, yard_id: str | None = None
    ) -> None:
        """Publish ``event`` after the commit, as a use case records its events."""
        self.uow.record(RoadEvent(event_name=event, gate_id=gate_id, yard_id=yard_id))


@asynccontextmanager
async def yard_rows(settings: Settings, bus: EventBus | None = None) -> AsyncIterator[Rows]:
    """Rows written in one transaction, committed when the block ends without error."""
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), bus or InMemoryEventBus()) as uow:
            yield Rows(uow)
            await uow.commit()
    finally:
        await engine.dispose()

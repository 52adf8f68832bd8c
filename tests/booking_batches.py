"""Booking attempts decided as the rush's batch decides them (gate/bookings/together.py), for
the tests that compare a batch's answers with one-by-one processing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from gate.bookings.full_slots import FullSlots
from gate.bookings.service import BookingRules, Cargo, NewBooking
from gate.bookings.together import Attempt, Decider, Outcome, decide
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.events import Actor
from gate.domain.no_shows import DEFAULT_POLICY
from gate.domain.slots import Direction
from gate.domain.time import utc_now
from gate.gates.memory import GateMemory
from gate.store.database import create_engine, create_session_factory
from gate.store.unit_of_work import UnitOfWork
from services.api.bookings.rush import BookingAnswers
from tests.helpers import Enterprise


def attempt(
    enterprise: Enterprise, vehicle: dict[str, Any], driver_id: str, start: datetime, cargo: Cargo
) -> Attempt:
    """An export attempt at Tân Thanh's slot ``start``, sent without an Idempotency-Key."""
    new = NewBooking("tan-thanh", Direction.EXPORT, start, vehicle["id"], driver_id, cargo)
    return Attempt(
        enterprise.id,
        new,
        BookingRules(utc_now(), timedelta(days=30), DEFAULT_POLICY),
        Actor("enterprise", enterprise.id),
        start,
        None,
        uuid.uuid4().hex,
    )


async def decided(
    settings: Settings, bus: InMemoryEventBus, attempts: Sequence[Attempt], *, careful: bool
) -> list[Outcome]:
    """``attempts`` decided as one batch (``careful``: one by one, each in its savepoint) and
    committed: their outcomes in order."""
    how = Decider(GateMemory(), FullSlots(), BookingAnswers(), timedelta(hours=24))
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), bus) as uow:
            outcomes = (await decide(uow, attempts, how, careful=careful)).outcomes
            await uow.commit()
    finally:
        await engine.dispose()
    return outcomes

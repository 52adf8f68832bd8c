"""Check-in batchers as separate processes would hold them, for the tests of one pipeline per
gate (tests/integration/test_checkin_pipelines.py, test_checkin_pipeline_routes.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from gate.bus.events import InMemoryEventBus
from gate.checkins.batcher import CheckinBatcher
from gate.checkins.pipelines import Pipelines
from gate.config import Settings
from gate.store.database import create_engine, create_session_factory
from gate.store.unit_of_work import UnitOfWork


@asynccontextmanager
async def batchers(
    settings: Settings, count: int = 2, **options: Any
) -> AsyncIterator[list[CheckinBatcher]]:
    """``count`` batchers as separate processes would hold them: an engine each, a relay
    address on 127.0.0.1 each, a lease holder's name each (leases of 5 minutes, so that no
    renewal falls inside what a test counts); ``options`` for CheckinBatcher. Stopped, and
    their engines disposed, on the way out."""
    engines = [create_engine(settings) for _ in range(count)]
    started = []
    try:
        for engine in engines:
            factory = create_session_factory(engine)

            def new_uow(factory: Any = factory) -> UnitOfWork:
                return UnitOfWork(factory, InMemoryEventBus())

            batcher = CheckinBatcher(
                new_uow,
                max_wait=0.005,
                retention=settings.device_event_retention,
                pipelines=Pipelines(new_uow, term=timedelta(minutes=5)),
                **options,
            )
            await batcher.start("127.0.0.1")
            started.append(batcher)
        yield started
    finally:
        for batcher in started:
            await batcher.stop()
        for engine in engines:
            await engine.dispose()


@asynccontextmanager
async def store(settings: Settings) -> AsyncIterator[UnitOfWork]:
    """A unit of work on an engine of its own (disposed on the way out): what a test reads or
    writes beside the batchers, as another process would."""
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            yield uow
    finally:
        await engine.dispose()

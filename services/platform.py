"""What one process of the platform holds between requests: settings, engine, bus."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gate.bus.events import EventBus
from gate.config import Settings
from gate.store.unit_of_work import UnitOfWork


@dataclass
class Platform:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    bus: EventBus

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.bus)

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.settings.booking_horizon_days)

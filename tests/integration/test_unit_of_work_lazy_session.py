"""A unit of work makes its session on first use (gate/store/unit_of_work.py): a request that
never touches the database (its caller remembered, its attempt handed to a batch) makes,
commits and closes none, and still runs what waits for its commit. One that does gets one
session for the whole transaction, on both databases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.store.database import create_engine, create_session_factory
from gate.store.unit_of_work import UnitOfWork


class _Counted:
    """The real session factory, counting the sessions it made."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self.factory = factory
        self.made = 0

    def __call__(self) -> AsyncSession:
        self.made += 1
        return self.factory()


@pytest.fixture
async def counted(settings: Settings) -> AsyncIterator[_Counted]:
    engine = create_engine(settings)
    try:
        yield _Counted(create_session_factory(engine))
    finally:
        await engine.dispose()


def _unit(counted: _Counted) -> UnitOfWork:
    factory: Callable[[], AsyncSession] = counted
    return UnitOfWork(factory, InMemoryEventBus())  # type: ignore[arg-type]


async def test_a_unit_that_reads_nothing_makes_no_session(counted: _Counted):
    committed: list[str] = []
    async with _unit(counted) as uow:
        uow.after_commit(lambda: committed.append("counted"))
        await uow.commit()
    assert counted.made == 0
    assert committed == ["counted"]


async def test_a_unit_that_reads_makes_one_session_for_its_transaction(counted: _Counted):
    async with _unit(counted) as uow:
        first = uow.session
        assert (await uow.session.execute(text("SELECT 1"))).scalar_one() == 1
        assert uow.session is first
        await uow.commit()
        assert (await uow.session.execute(text("SELECT 2"))).scalar_one() == 2
    assert counted.made == 1


async def test_the_session_is_refused_outside_the_unit(counted: _Counted):
    unit = _unit(counted)
    with pytest.raises(RuntimeError, match="not open"):
        _ = unit.session
    async with unit as uow:
        await uow.rollback()  # nothing begun: nothing to roll back, no session made
    with pytest.raises(RuntimeError, match="not open"):
        _ = unit.session
    assert counted.made == 0
    async with unit as again:  # a unit may be entered again after it ended
        assert (await again.session.execute(text("SELECT 3"))).scalar_one() == 3
    assert counted.made == 1

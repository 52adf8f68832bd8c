"""Where the reads that may lag are made (``LaggingReads``, the platform's ``reads``): on the
read replica while it is in use (gate/store/replica.py measures it and decides that), else on
the primary; a read the replica fails, or finds nothing for, is made again on the primary.
Fresh reads (the boards' projector) wait for the replica to replay every commit made before
them, or read the primary (docs/architecture.md, "The read replica")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gate.domain.errors import NotFound
from gate.store.replica import Replica
from gate.store.unit_of_work import Publisher, UnitOfWork

T = TypeVar("T")


class LaggingReads:
    """Where the reads that may lag are made: on ``replica`` while it is in use, else on the
    primary's read-only sessions (``primary``). Without a replica (the embedded default,
    SQLite, or no GATE_DATABASE_REPLICA_URL) every read is the primary's, by the same calls."""

    def __init__(
        self,
        primary: async_sessionmaker[AsyncSession],
        bus: Publisher,
        replica: Replica | None = None,
    ) -> None:
        self.primary = primary
        self.bus = bus
        self.replica = replica

    def fresh(self) -> UnitOfWork:
        """A read-only unit of work that sees every commit made before it was opened: on the
        replica once it has replayed them, else on the primary (the boards' projector)."""
        if self.replica is None:
            return UnitOfWork(self.primary, self.bus)
        return _FreshUnitOfWork(self.primary, self.bus, self.replica)

    async def run(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """``work`` done in a read-only unit of work on the replica, or again on the primary
        when the replica fails it or finds nothing (NotFound): the answer is the primary's
        then, never an error of the replica's. ``work`` must return values, not rows: the
        unit of work's rollback at its end expires the rows it loaded."""
        replica = self.replica
        if replica is not None and replica.in_use:
            try:
                async with UnitOfWork(replica.sessions, self.bus) as uow:
                    return await work(uow)
            except NotFound:
                pass  # perhaps a row made a moment ago, not yet replayed: the primary knows
            except Exception as error:
                if not replica.failed(error):
                    raise
        async with UnitOfWork(self.primary, self.bus) as uow:
            return await work(uow)


class _FreshUnitOfWork(UnitOfWork):
    """A read-only unit of work on the replica once it has caught up (``Replica.caught_up``),
    else on the primary; a fault of the replica met while reading leaves it, so the next
    unit of work reads the primary."""

    def __init__(
        self, primary: async_sessionmaker[AsyncSession], bus: Publisher, replica: Replica
    ) -> None:
        super().__init__(primary, bus)
        self._replica = replica
        self._on_replica = False

    async def __aenter__(self) -> UnitOfWork:
        session = await self._replica.caught_up()
        await super().__aenter__()  # open, with nothing recorded yet
        if session is not None:
            self._session = session  # the replica's, in place of the one made on first use
            self._on_replica = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None and self._on_replica:
            self._replica.failed(exc)
        self._on_replica = False
        await super().__aexit__(exc_type, exc, tb)

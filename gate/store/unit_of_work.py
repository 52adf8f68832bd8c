"""The unit of work: one session and one transaction; rolls back unless told to commit, and
publishes the events recorded during it only after the commit succeeded."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gate.domain.events import DomainEvent
from gate.domain.outbox import is_outboxed
from gate.request_ids import current_request_id
from gate.store.audit import LockedHead
from gate.store.audit import append as append_to_audit_log
from gate.store.audit_records import AUDITED
from gate.store.outbox import write_outbox_events


class Publisher(Protocol):
    """Where committed events go: any ``gate.bus`` event bus. Named here, not imported, so
    the store (a floor below the use cases) and the bus (beside it) stay independent."""

    async def publish(self, events: Sequence[DomainEvent]) -> None: ...


class UnitOfWork:
    """One transaction. ``outboxed``, when given, is called after a commit that wrote
    outbox events (gate/domain/outbox.py): the process's dispatcher wakes at once instead
    of at its next poll."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        bus: Publisher,
        outboxed: Callable[[], None] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._bus = bus
        self._outboxed = outboxed
        self._events: list[DomainEvent] = []
        self._after_commit: list[Callable[[], None]] = []
        self._session: AsyncSession | None = None
        self._open = False
        # Audit heads a statement of this transaction locked already (by chain), for the
        # append at commit (gate/store/audit.py::append).
        self.locked_heads: dict[str, LockedHead] = {}

    @property
    def session(self) -> AsyncSession:
        """The transaction's session, made on first use: a request that never touches the
        database (a caller remembered, an attempt handed to a batch) makes, commits and closes
        none (about 5 % of a booking-rush attempt's CPU, docs/benchmarks.md). RuntimeError
        outside ``async with``."""
        if not self._open:
            raise RuntimeError("the unit of work is not open")
        if self._session is None:
            self._session = self._session_factory()
        return self._session

    def record(self, event: DomainEvent, request_id: str | None = None) -> None:
        """Queue an event; it is published after commit and dropped on rollback. It is
        stamped with ``request_id``, by default the current request's (gate/request_ids.py):
        work done for many requests at once names each event's own."""
        request_id = request_id or current_request_id()
        if request_id is not None and event.request_id is None:
            # In place, though the event is frozen: it was made for this record, and a copy
            # (dataclasses.replace) cost 10-40 µs an event, a batch of check-ins records
            # hundreds. Only a None is ever replaced, so an event's request never changes.
            object.__setattr__(event, "request_id", request_id)
        self._events.append(event)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the transaction committed (it must not block nor raise);
        dropped on rollback, as events are: how figures are counted for what committed only
        (gate/metrics.py)."""
        self._after_commit.append(callback)

    async def __aenter__(self) -> UnitOfWork:
        self._open = True
        self._session = None
        self._events = []
        self._after_commit = []
        self.locked_heads = {}
        return self

    async def __aexit__(
        self,
        _exc_type: type[BaseException] | None,
        exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        session, self._session, self._open = self._session, None, False
        try:
            if session is not None:
                await session.rollback()
        finally:
            if session is not None:
                await session.close()
            self._events = []
            self._after_commit = []
            self.locked_heads = {}

    async def commit(self) -> None:
        # The audit log is written in the same transaction as the changes it records, at the
        # very end, so a chain's head stays locked for as short a time as possible.
        # With the audit append (in its statement on PostgreSQL), in the same transaction: an
        # event leaves the platform only if the change that caused it committed
        # (docs/architecture.md, "The outbox").
        if self._session is None and not self._events:
            # Nothing was read or written: no transaction to end.
            self._run_after_commit()
            return
        audited = [e for e in self._events if isinstance(e, AUDITED)]
        outboxed = [e for e in self._events if is_outboxed(e)]
        written = bool(audited) and await append_to_audit_log(
            self.session, audited, outboxed, self.locked_heads
        )
        if outboxed and not written:
            await write_outbox_events(self.session, outboxed)
        await self.session.commit()
        events, self._events = self._events, []
        self._run_after_commit()
        self.locked_heads = {}
        if outboxed and self._outboxed is not None:
            self._outboxed()
        await self._bus.publish(events)

    def _run_after_commit(self) -> None:
        committed, self._after_commit = self._after_commit, []
        for callback in committed:
            callback()

    async def rollback(self) -> None:
        if self._session is not None:
            await self._session.rollback()
        self._events = []
        self._after_commit = []
        self.locked_heads = {}

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: on error its writes, the events it recorded and the audit
        heads it locked (the rollback to the savepoint released their row locks) are dropped."""
        mark, callbacks = len(self._events), len(self._after_commit)
        heads = dict(self.locked_heads)
        try:
            async with self.session.begin_nested():
                yield
        except BaseException:
            del self._events[mark:]
            del self._after_commit[callbacks:]
            self.locked_heads = heads
            raise

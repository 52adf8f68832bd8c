"""The outbox kept small (docs/architecture.md, "The outbox"): finished deliveries (delivered,
failed, cancelled) whose last attempt was due before the window (GATE_OUTBOX_RETENTION_DAYS)
are deleted with their attempts, then the expanded events before it that no delivery points
to any more. Run by the periodic sweeps (gate/sweeps.py).

A delivery's age is its ``next_attempt_at``: the due time of its last attempt, about when it
was delivered or given up; it is what the index on ``(status, next_attempt_at)`` finds. A
pending delivery is never deleted, nor its event (the foreign key, and "send again" may make
an old delivery pending again). As ``gate/retention.py`` does, each chunk of ``CHUNK`` rows
is a transaction of its own, rows another transaction holds are skipped on PostgreSQL (a
"send again" taking one over) and purged next time, and a round stops after ``MAX_CHUNKS``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, exists, select

from gate.outbox.claims import CANCELLED, DELIVERED, FAILED
from gate.store.tables import Delivery, DeliveryAttempt, OutboxEvent
from gate.store.tables.base import table_of
from gate.store.unit_of_work import UnitOfWork

CHUNK = 500
MAX_CHUNKS = 100
FINISHED = (DELIVERED, FAILED, CANCELLED)

_events = table_of(OutboxEvent)
_deliveries = table_of(Delivery)
_attempts = table_of(DeliveryAttempt)


async def purge_outbox(new_uow: Callable[[], UnitOfWork], before: datetime) -> int:
    """Delete finished deliveries last due before ``before`` with their attempts, then the
    events expanded before ``before`` that have no delivery left; how many deliveries and
    events were deleted."""
    return await _purge_deliveries(new_uow, before) + await _purge_events(new_uow, before)


async def _purge_deliveries(new_uow: Callable[[], UnitOfWork], before: datetime) -> int:
    purged = 0
    for _ in range(MAX_CHUNKS):
        async with new_uow() as uow:
            ids = list(
                (
                    await uow.session.scalars(
                        select(_deliveries.c.id)
                        .where(
                            _deliveries.c.status.in_(FINISHED),
                            _deliveries.c.next_attempt_at < before,
                        )
                        .order_by(_deliveries.c.status, _deliveries.c.next_attempt_at)
                        .limit(CHUNK)
                        # PostgreSQL; SQLite's write lock serialises.
                        .with_for_update(skip_locked=True)
                    )
                ).all()
            )
            if ids:
                await uow.session.execute(delete(_attempts).where(_attempts.c.delivery_id.in_(ids)))
                await uow.session.execute(
                    delete(_deliveries).where(
                        _deliveries.c.id.in_(ids), _deliveries.c.status.in_(FINISHED)
                    )
                )
            await uow.commit()
        purged += len(ids)
        if len(ids) < CHUNK:
            break
    return purged


async def _purge_events(new_uow: Callable[[], UnitOfWork], before: datetime) -> int:
    purged = 0
    for _ in range(MAX_CHUNKS):
        chunk = (
            select(_events.c.seq)
            .where(
                _events.c.expanded_at < before,
                ~exists().where(_deliveries.c.event_seq == _events.c.seq),
            )
            .order_by(_events.c.expanded_at)
            .limit(CHUNK)
            .with_for_update(skip_locked=True)
        )
        async with new_uow() as uow:
            result = await uow.session.execute(
                delete(_events)
                .where(_events.c.seq.in_(chunk))
                .execution_options(synchronize_session=False)
            )
            await uow.commit()
        deleted = int(getattr(result, "rowcount", 0) or 0)
        purged += deleted
        if deleted < CHUNK:
            break
    return purged

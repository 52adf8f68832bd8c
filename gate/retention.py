"""Forgetting retry keys past their window: ``Idempotency-Key`` records after
GATE_IDEMPOTENCY_KEY_RETENTION_HOURS, device event records after
GATE_DEVICE_EVENT_RETENTION_HOURS (gate/config.py says why each is as long as it is).

Correctness does not wait for this purge: a claim takes an expired record over as new
(``services/common/idempotency.py``, ``gate/checkins/service.py``). The purge only keeps the
tables small. It deletes in chunks of ``CHUNK`` rows, each in a transaction of its own, so no
purge holds many row locks or the SQLite write lock for long, and a busy gate's check-ins wait
for one chunk at most; rows another transaction holds (a claim taking one over) are skipped
on PostgreSQL and purged next time.

Why a purged device event record loses nothing: ``checkin_records`` is read only to answer a
retry (the claim and the stored answer) and by the load test's invariants right after a run.
What the check-in did stays where the boards, the forecasts and the audit read it: the
booking (its status, ``arrived_at``, queue class and place) and the ``vehicle.arrived`` entry
in the hash-chained ``audit_log``. ``booking_id`` on a record is only a back link; nothing
joins through it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from gate.store.tables import CheckinRecord, IdempotencyRecord
from gate.store.tables.base import Base
from gate.store.unit_of_work import UnitOfWork

CHUNK = 1000
# A round stops after this many chunks; the sweep's next round goes on. It keeps one round
# short when a large backlog first meets the purge (after an upgrade, or a long pause).
MAX_CHUNKS = 100


async def purge_idempotency_records(new_uow: Callable[[], UnitOfWork], before: datetime) -> int:
    """Delete Idempotency-Key records created before ``before``; how many were deleted."""
    table = IdempotencyRecord
    return await _purge(new_uow, table, (table.owner_id, table.key), table.created_at, before)


async def purge_checkin_records(new_uow: Callable[[], UnitOfWork], before: datetime) -> int:
    """Delete device event records received before ``before``; how many were deleted."""
    table = CheckinRecord
    return await _purge(
        new_uow, table, (table.device_id, table.event_id), table.received_at, before
    )


async def _purge(
    new_uow: Callable[[], UnitOfWork],
    model: type[Base],
    key: tuple[InstrumentedAttribute[str], ...],
    age: InstrumentedAttribute[datetime],
    before: datetime,
) -> int:
    purged = 0
    for _ in range(MAX_CHUNKS):
        chunk = (
            select(*key)
            .where(age < before)
            .order_by(age)  # oldest first, along the index on the age column
            .limit(CHUNK)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's write lock serialises
        )
        async with new_uow() as uow:
            result = await uow.session.execute(
                delete(model)
                .where(tuple_(*key).in_(chunk))
                .execution_options(synchronize_session=False)
            )
            await uow.commit()
        deleted = int(getattr(result, "rowcount", 0) or 0)
        purged += deleted
        if deleted < CHUNK:
            break
    return purged

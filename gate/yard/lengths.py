"""The yard queue's length per gate and direction, for ``/metrics`` (services/common/
metrics.py): one statement over ``queue_counts`` (kept by triggers, gate/yard/counts.py), a
row per gate and direction however long the queues are."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.slots import Direction
from gate.store.tables import Gate, QueueCount


async def waiting_by_gate(session: AsyncSession) -> dict[tuple[str, str], int]:
    """Vehicles waiting in the yard, by (gate code, direction); every gate and direction is
    present, 0 where none waits (a series that vanishes reads as "no data", not as 0)."""
    statement = (
        select(Gate.code, QueueCount.direction, func.coalesce(func.sum(QueueCount.waiting), 0))
        .select_from(Gate)
        .outerjoin(QueueCount, QueueCount.gate_id == Gate.id)
        .group_by(Gate.code, QueueCount.direction)
    )
    lengths = {}
    codes = set()
    for code, direction, waiting in await session.execute(statement):
        codes.add(code)
        if direction is not None:
            lengths[(code, direction)] = int(waiting)
    return {
        (code, direction.value): lengths.get((code, direction.value), 0)
        for code in sorted(codes)
        for direction in Direction
    }

"""Writing outboxed events in the transaction that records them (stage 1 of the outbox,
docs/architecture.md, "The outbox"); the claiming and delivering is ``gate/outbox/``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.events import DomainEvent
from gate.store.tables import OutboxEvent
from gate.store.tables.base import table_of
from gate.store.types import new_id


def outbox_row(event: DomainEvent) -> dict[str, Any]:
    """The ``outbox_events`` row of ``event`` (its ``seq`` comes from the database). The
    booking, enterprise and gate are read from the event's fields of those names, when it
    has them: what the expanders select by."""
    return {
        "event_id": new_id(),
        "name": event.name,
        "occurred_at": event.occurred_at,
        "enterprise_id": getattr(event, "enterprise_id", None),
        "booking_id": getattr(event, "booking_id", None),
        "gate_id": getattr(event, "gate_id", None),
        "payload": event.payload(),
    }


async def write_outbox_events(session: AsyncSession, events: Sequence[DomainEvent]) -> None:
    """Insert one row per event in one multi-row INSERT: a check-in batch commits hundreds
    of events, and a statement per event would be a round trip each."""
    rows = [outbox_row(event) for event in events]
    await session.execute(insert(table_of(OutboxEvent)).values(rows))

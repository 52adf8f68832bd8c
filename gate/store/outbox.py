"""Writing outboxed events in the transaction that records them (stage 1 of the outbox,
docs/architecture.md, "The outbox"); the claiming and delivering is ``gate/outbox/``."""

from __future__ import annotations

import json
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


# PostgreSQL: the rows of ``outbox_row`` inserted from one JSON document, as a CTE that the
# audit's append carries (gate/store/audit.py): the commit's last writes in one round trip.
# json, not jsonb: each payload is stored as written, as the multi-row INSERT stores it.
OUTBOX_CTE_ON_POSTGRES = """
    outboxed AS (
        INSERT INTO outbox_events (event_id, name, occurred_at, enterprise_id, booking_id,
            gate_id, payload)
        SELECT *
        FROM json_to_recordset(CAST(CAST(:outbox AS text) AS json)) AS o(
            event_id varchar, name varchar, occurred_at timestamptz, enterprise_id varchar,
            booking_id varchar, gate_id varchar, payload json)
    )"""


def outbox_document(events: Sequence[DomainEvent]) -> str:
    """The events' rows as the JSON array ``OUTBOX_CTE_ON_POSTGRES`` reads, in their order
    (the order their ``seq`` is given in): times in ISO 8601 with offset and microseconds."""
    rows = []
    for event in events:
        row = outbox_row(event)
        row["occurred_at"] = row["occurred_at"].isoformat()
        rows.append(row)
    return json.dumps(rows)


async def write_outbox_events(session: AsyncSession, events: Sequence[DomainEvent]) -> None:
    """Insert one row per event in one multi-row INSERT: a check-in batch commits hundreds
    of events, and a statement per event would be a round trip each."""
    rows = [outbox_row(event) for event in events]
    await session.execute(insert(table_of(OutboxEvent)).values(rows))

"""The deliveries an expanded event made, inserted in the transaction that marks it expanded
(gate/outbox/dispatcher.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gate.outbox.claims import PENDING
from gate.outbox.protocols import NewDelivery
from gate.store.tables import Delivery, OutboxEvent
from gate.store.tables.base import table_of


async def insert_deliveries(
    session: AsyncSession, event: OutboxEvent, wanted: Sequence[NewDelivery], now: datetime
) -> None:
    """One row per delivery of ``wanted`` (pending, due at its own time or ``now``), in one
    INSERT; its ordering key the delivery's own, else the event's booking, else the event."""
    if not wanted:
        return
    default_key = event.booking_id or event.event_id
    await session.execute(
        insert(table_of(Delivery)).values(
            [
                {
                    "id": each.id,
                    "event_seq": event.seq,
                    "channel": each.channel,
                    "endpoint_id": each.endpoint_id,
                    "recipient_kind": each.recipient_kind,
                    "recipient_id": each.recipient_id,
                    "ordering_key": each.ordering_key or default_key,
                    "language": each.language,
                    "payload": each.payload,
                    "status": PENDING,
                    "attempts": 0,
                    "next_attempt_at": each.next_attempt_at or now,
                    "created_at": now,
                }
                for each in wanted
            ]
        )
    )

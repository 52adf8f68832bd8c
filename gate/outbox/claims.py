"""Claiming outbox events and deliveries under a lease: a conditional UPDATE ... RETURNING
that only takes rows nobody holds (or whose holder's lease ran out). One statement, atomic
on PostgreSQL (the UPDATE re-checks its condition on the row it waited for) and on SQLite
(one writer at a time): of two processes racing for a row, one gets it. No SKIP LOCKED
needed, and the same SQL on both databases."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from gate.store.tables import Delivery, OutboxEvent
from gate.store.tables.base import table_of

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
CANCELLED = "cancelled"

_events = table_of(OutboxEvent)
_deliveries = table_of(Delivery)


def _free(lease_until: ColumnElement[datetime | None], now: datetime) -> ColumnElement[bool]:
    return or_(lease_until.is_(None), lease_until < now)


async def claim_events(
    session: AsyncSession, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[int]:
    """Lease up to ``limit`` unexpanded events to ``owner`` until ``now + lease``, oldest
    first; their seqs, in order. The caller commits."""
    candidates = (
        await session.scalars(
            select(_events.c.seq)
            .where(_events.c.expanded_at.is_(None), _free(_events.c.lease_until, now))
            .order_by(_events.c.seq)
            .limit(limit)
        )
    ).all()
    if not candidates:
        return []
    claimed = await session.scalars(
        update(_events)
        .where(
            _events.c.seq.in_(candidates),
            _events.c.expanded_at.is_(None),
            _free(_events.c.lease_until, now),
        )
        .values(lease_owner=owner, lease_until=now + lease)
        .returning(_events.c.seq)
    )
    return sorted(claimed.all())


async def mark_expanded(
    session: AsyncSession, owner: str, seqs: Sequence[int], now: datetime
) -> int:
    """Mark ``seqs`` expanded if ``owner`` still holds them; how many it held."""
    if not seqs:
        return 0
    result = await session.execute(
        update(_events)
        .where(_events.c.seq.in_(seqs), _events.c.lease_owner == owner)
        .values(expanded_at=now, lease_owner=None, lease_until=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _waits_for_an_earlier_one() -> ColumnElement[bool]:
    """A delivery that must wait: an earlier delivery of the same target and ordering key
    is still pending, or an earlier event of the same booking is not expanded yet (its
    deliveries may come before this one)."""
    earlier = _deliveries.alias("earlier")
    pending_before = exists().where(
        earlier.c.ordering_key == _deliveries.c.ordering_key,
        earlier.c.channel == _deliveries.c.channel,
        earlier.c.endpoint_id.is_not_distinct_from(_deliveries.c.endpoint_id),
        earlier.c.recipient_kind.is_not_distinct_from(_deliveries.c.recipient_kind),
        earlier.c.recipient_id.is_not_distinct_from(_deliveries.c.recipient_id),
        earlier.c.status == PENDING,
        earlier.c.event_seq < _deliveries.c.event_seq,
    )
    unexpanded_before = exists().where(
        _events.c.expanded_at.is_(None),
        _events.c.seq < _deliveries.c.event_seq,
        _events.c.booking_id == _deliveries.c.ordering_key,
    )
    return or_(pending_before, unexpanded_before)


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        _deliveries.c.status == PENDING,
        _deliveries.c.next_attempt_at <= now,
        _free(_deliveries.c.lease_until, now),
    )


async def claim_deliveries(
    session: AsyncSession,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    channels: Collection[str],
) -> list[str]:
    """Lease up to ``limit`` due pending deliveries of ``channels`` to ``owner``, each the
    first still pending of its target and ordering key; their ids. The caller commits."""
    if not channels:
        return []
    candidates = (
        await session.scalars(
            select(_deliveries.c.id)
            .where(
                _due(now),
                _deliveries.c.channel.in_(channels),
                ~_waits_for_an_earlier_one(),
            )
            .order_by(_deliveries.c.next_attempt_at, _deliveries.c.event_seq)
            .limit(limit)
        )
    ).all()
    if not candidates:
        return []
    claimed = await session.scalars(
        update(_deliveries)
        .where(_deliveries.c.id.in_(candidates), _due(now))
        .values(lease_owner=owner, lease_until=now + lease)
        .returning(_deliveries.c.id)
    )
    return list(claimed.all())

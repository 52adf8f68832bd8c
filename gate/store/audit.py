"""Appending audited events to their hash chains, inside the transaction that made them, and
reading the chains back to verify them. A booking's events go to its gate's chain, and so do a
gate's dispatch orders and rules; a vehicle's (grants, transfers) to the vehicle's own chain,
keyed by the vehicle's id; a waiting yard's visits to the yard's chain, keyed by the yard's id."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditRecord,
    ChainBreak,
    chain_entry,
    verify_chains,
)
from gate.domain.events import (
    BookingEvent,
    DispatchEvent,
    Fact,
    VehicleEvent,
    YardVisitEvent,
)
from gate.store.database import conflict_insert
from gate.store.tables import AuditHead, AuditLogEntry
from gate.store.tables.base import table_of

AuditedEvent = BookingEvent | VehicleEvent | DispatchEvent | YardVisitEvent
# For isinstance: the events the unit of work appends at commit.
AUDITED = (BookingEvent, VehicleEvent, DispatchEvent, YardVisitEvent)


def chain_of(event: AuditedEvent) -> str:
    """The chain an event is appended to: its gate's, its vehicle's, or its yard's."""
    if isinstance(event, YardVisitEvent):
        return event.yard_id
    return event.vehicle_id if isinstance(event, VehicleEvent) else event.gate_id


def record_of(event: AuditedEvent) -> AuditRecord:
    """The record an event is chained as: its shared fields, its subject (the visit, the
    vehicle, the dispatch order or the booking) and its facts with the event's own fields over
    them. What goes in is the stored form of every chain written: it must not change."""
    if isinstance(event, YardVisitEvent):
        return _record(
            event,
            event.visit_id,
            yard=event.yard,
            gate=event.gate,
            direction=event.direction,
            booking_id=event.booking_id,
            queue_class=event.queue_class,
        )
    if isinstance(event, VehicleEvent):
        return _record(event, event.vehicle_id, holder_id=event.enterprise_id)
    if isinstance(event, DispatchEvent):
        # An order's code, visit and booking only when the event has them (a rule change
        # has none).
        named = {
            name: value
            for name in ("order_code", "visit_id", "booking_id")
            if (value := getattr(event, name)) is not None
        }
        return _record(event, event.subject_id, gate=event.gate, direction=event.direction, **named)
    return _record(
        event,
        event.booking_id,
        gate=event.gate,
        direction=event.direction,
        slot_start=event.slot_start,
    )


def _record(event: AuditedEvent, subject_id: str, **fields: Fact) -> AuditRecord:
    """The record of ``event`` about ``subject_id``: its time, name, actor, reason and (but a
    vehicle's event, which has none) statuses; its facts, with ``fields`` over them."""
    statuses = (
        (None, None) if isinstance(event, VehicleEvent) else (event.from_status, event.to_status)
    )
    return AuditRecord(
        occurred_at=event.occurred_at,
        event=event.name,
        subject_id=subject_id,
        actor_kind=event.actor.kind,
        actor_id=event.actor.id,
        role=event.actor.role,
        from_status=statuses[0],
        to_status=statuses[1],
        reason=event.reason,
        data={**event.facts, **fields},
    )


async def append(session: AsyncSession, events: Sequence[AuditedEvent]) -> None:
    """Write the events to their chains. The chain's head row is locked until commit, so
    appends to one gate's chain are serialised across every process; other gates don't wait.
    Chains are locked in a fixed order so two transactions cannot deadlock on them."""
    by_chain: dict[str, list[AuditedEvent]] = defaultdict(list)
    for event in events:
        by_chain[chain_of(event)].append(event)
    insert = conflict_insert(session)
    for chain in sorted(by_chain):
        locked = select(AuditHead.seq, AuditHead.entry_hash).where(AuditHead.chain == chain)
        head = (await session.execute(locked.with_for_update())).first()
        if head is None:
            # The chain's first entry: create its head (two first writers may race here).
            await session.execute(
                insert(AuditHead)
                .values(chain=chain, seq=0, entry_hash=GENESIS_HASH)
                .on_conflict_do_nothing(index_elements=["chain"])
            )
            head = (await session.execute(locked.with_for_update())).one()
        previous: tuple[int, str] | None = (head.seq, head.entry_hash) if head.seq else None
        rows = []
        for event in by_chain[chain]:
            entry = chain_entry(chain, previous, record_of(event))
            rows.append(stored_row(entry))
            previous = (entry.seq, entry.entry_hash)
        assert previous is not None
        # Core executemany: a batch of check-ins appends dozens of entries at once.
        await session.execute(insert(table_of(AuditLogEntry)), rows)
        await session.execute(
            update(AuditHead)
            .where(AuditHead.chain == chain)
            .values(seq=previous[0], entry_hash=previous[1])
        )


def stored_row(entry: AuditEntry) -> dict[str, Any]:
    """The audit_log row of ``entry``: its columns by name, the data as canonical JSON (keys
    sorted, no spaces), which is what `gate audit verify` reads back."""
    record = entry.record
    return dict(
        chain=entry.chain,
        seq=entry.seq,
        occurred_at=record.occurred_at,
        event=record.event,
        subject_id=record.subject_id,
        actor_kind=record.actor_kind,
        actor_id=record.actor_id,
        role=record.role,
        from_status=record.from_status,
        to_status=record.to_status,
        reason=record.reason,
        data=json.dumps(dict(record.data), sort_keys=True, separators=(",", ":")),
        prev_hash=entry.prev_hash,
        entry_hash=entry.entry_hash,
    )


def entry_of(row: AuditLogEntry) -> AuditEntry:
    """A stored row as the chain sees it (tampered rows included, so they can be caught)."""
    return AuditEntry(
        chain=row.chain,
        seq=row.seq,
        record=AuditRecord(
            occurred_at=row.occurred_at,
            event=row.event,
            subject_id=row.subject_id,
            actor_kind=row.actor_kind,
            actor_id=row.actor_id,
            role=row.role,
            from_status=row.from_status,
            to_status=row.to_status,
            reason=row.reason,
            data=json.loads(row.data),
        ),
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
    )


async def verify(session: AsyncSession) -> tuple[list[ChainBreak], int]:
    """Check every chain; the first break of each, and how many entries were checked.
    Entries are read in stored seq order; a reordering shows as hashes out of place."""
    heads = {
        chain: (seq, entry_hash)
        for chain, seq, entry_hash in await session.execute(
            select(AuditHead.chain, AuditHead.seq, AuditHead.entry_hash)
        )
    }
    by_chain: dict[str, list[AuditEntry]] = defaultdict(list)
    count = 0
    result = await session.stream_scalars(
        select(AuditLogEntry).order_by(AuditLogEntry.chain, AuditLogEntry.seq)
    )
    async for row in result:
        by_chain[row.chain].append(entry_of(row))
        count += 1
    return verify_chains(by_chain, heads), count


async def history(session: AsyncSession, booking_id: str) -> list[AuditLogEntry]:
    """Every audited transition of one booking, oldest first."""
    query = select(AuditLogEntry).where(AuditLogEntry.subject_id == booking_id)
    return list(await session.scalars(query.order_by(AuditLogEntry.occurred_at, AuditLogEntry.seq)))

"""What an audited event becomes in its hash chain, and in the audit_log table: the chain it
goes to (``chain_of``: its gate's, its vehicle's or its yard's), the record chained
(``record_of``), the row stored (``stored_row``) and the entry read back from a row
(``entry_of``). This is the stored form of every chain written: it must not change
(tests/unit/test_audit_records.py). Appending and verifying: gate/store/audit.py."""

from __future__ import annotations

import json
from typing import Any

from gate.domain.accounts import AccountEvent
from gate.domain.audit import AuditEntry, AuditRecord
from gate.domain.events import (
    BookingEvent,
    DispatchEvent,
    Fact,
    NoticeEvent,
    VehicleEvent,
    YardVisitEvent,
)
from gate.domain.fee_events import FeeEvent
from gate.domain.partner import PartnerCapacityEvent
from gate.store.tables import AuditLogEntry

AuditedEvent = (
    BookingEvent
    | VehicleEvent
    | DispatchEvent
    | YardVisitEvent
    | NoticeEvent
    | AccountEvent
    | PartnerCapacityEvent
    | FeeEvent
)
# For isinstance: the events the unit of work appends at commit.
AUDITED = (
    BookingEvent,
    VehicleEvent,
    DispatchEvent,
    YardVisitEvent,
    NoticeEvent,
    AccountEvent,
    PartnerCapacityEvent,
    FeeEvent,
)


def chain_of(event: AuditedEvent) -> str:
    """The chain an event is appended to: its gate's (a booking's, a dispatch's, a
    notice's, a partner announcement's, a fee's), its vehicle's, its yard's, or its enterprise's (an
    account's changes)."""
    if isinstance(event, YardVisitEvent):
        return event.yard_id
    if isinstance(event, AccountEvent):
        return event.enterprise_id
    return event.vehicle_id if isinstance(event, VehicleEvent) else event.gate_id


def record_of(event: AuditedEvent) -> AuditRecord:
    """The record an event is chained as: its shared fields, its subject (the visit, the
    vehicle, the dispatch order, the notice or the booking) and its facts with the event's
    own fields over them. What goes in is the stored form of every chain written: it must
    not change."""
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
    if isinstance(event, NoticeEvent):
        return _record(event, event.notice_id, gate=event.gate)
    if isinstance(event, PartnerCapacityEvent):
        return _record(event, event.announcement_id, gate=event.gate, direction=event.direction)
    if isinstance(event, AccountEvent):
        return _record(event, event.subject_id, enterprise_id=event.enterprise_id)
    if isinstance(event, FeeEvent):
        named = {
            name: value
            for name in ("booking_id", "enterprise_id", "direction")
            if (value := getattr(event, name)) is not None
        }
        return _record(event, event.subject_id, gate=event.gate, **named)
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


def stored_row(entry: AuditEntry, request_id: str | None = None) -> dict[str, Any]:
    """The audit_log row of ``entry``: its columns by name, the data as canonical JSON (keys
    sorted, no spaces), which is what `gate audit verify` reads back; and ``request_id``, the
    request that appended it, beside the chain, not in it (docs/architecture.md, "Request
    ids")."""
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
        request_id=request_id,
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

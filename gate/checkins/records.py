"""Device-event records (checkin_records): the claim that makes a device event acted on once
per (device, event_id), the stored answer a retry replays, and the refusal of an id reused
for another event (the IETF httpapi idempotency-key draft's rule). A record older than the
retention window is taken over by a new claim, so its key counts as new."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from gate.checkins.reads import DeviceEvent, DeviceSeen
from gate.domain.errors import EventIdReused
from gate.domain.time import as_utc, utc_now
from gate.store.tables import CheckinRecord
from gate.store.tables.base import table_of
from gate.store.types import UtcDateTime
from gate.store.unit_of_work import UnitOfWork

Key = tuple[str, str]  # (device id, event id)
Read = tuple[DeviceSeen, DeviceEvent]
# What a claim writes over an expired record: everything but the key.
_TAKEN_OVER = ("outcome", "observed_at", "received_at", "answer", "booking_id", "fingerprint")


def reused(event: DeviceEvent) -> EventIdReused:
    """The refusal of an event whose id the device used before for another event."""
    return EventIdReused(
        f"this device sent event_id {event.event_id!r} before with another plate, code, time "
        "or field; give each event an id of its own (a retry must repeat the event exactly)",
        event_id=event.event_id,
    )


async def claim(
    uow: UnitOfWork, reads: Sequence[tuple[Read, str]], expired_before: datetime
) -> set[Key]:
    """Claim the events' ids (each with its fingerprint): a new record, or one received
    before ``expired_before`` taken over in the same statement (its key counts as new; on
    PostgreSQL the row lock and on SQLite the write lock make that race-free). One that
    another transaction claimed first waits for it to commit and is then not ours: a replay,
    or a reuse. Claimed in key order, so that two batches holding the same events cannot
    deadlock on them. The keys must be distinct (one statement cannot take a row twice)."""
    if not reads:
        return set()
    now = utc_now()
    if uow.session.get_bind().dialect.name == "postgresql":
        return await _claim_on_postgres(uow, reads, now, expired_before)
    rows = sorted(
        (
            {
                "device_id": device.id,
                "event_id": event.event_id,
                "outcome": "pending",
                "observed_at": event.observed_at,
                "received_at": now,
                "answer": b"",
                "booking_id": None,
                "fingerprint": fingerprint,
            }
            for (device, event), fingerprint in reads
        ),
        key=lambda row: (row["device_id"], row["event_id"]),
    )
    claimed = await uow.session.execute(
        _claim_statement(uow.session.get_bind().dialect.name),
        [{**row, "expired_before": expired_before} for row in rows],
    )
    return {(device_id, event_id) for device_id, event_id in claimed}


# PostgreSQL: the claim as one statement of one shape whatever the batch's size, its rows
# given as arrays (one parameter per column, encoded by asyncpg), in key order (``n``): an
# executemany had every row's parameters processed one by one by SQLAlchemy (issue 20, the
# batch's CPU). The same INSERT ... ON CONFLICT as ``_claim_statement``'s.
_CLAIM_ON_POSTGRES = text(
    """
    INSERT INTO checkin_records (device_id, event_id, booking_id, outcome, observed_at,
        received_at, answer, fingerprint)
    SELECT r.device_id, r.event_id, NULL, 'pending', r.observed_at, :now, CAST('' AS bytea),
        r.fingerprint
    FROM unnest(CAST(:devices AS varchar[]), CAST(:events AS varchar[]),
        CAST(:observed AS timestamptz[]), CAST(:prints AS varchar[]))
        WITH ORDINALITY AS r(device_id, event_id, observed_at, fingerprint, n)
    ORDER BY r.n
    ON CONFLICT (device_id, event_id) DO UPDATE SET booking_id = excluded.booking_id,
        outcome = excluded.outcome, observed_at = excluded.observed_at,
        received_at = excluded.received_at, answer = excluded.answer,
        fingerprint = excluded.fingerprint
    WHERE checkin_records.received_at < :expired_before
    RETURNING checkin_records.device_id, checkin_records.event_id
    """
).bindparams(
    bindparam("now", type_=UtcDateTime()),
    bindparam("expired_before", type_=UtcDateTime()),
)


async def _claim_on_postgres(
    uow: UnitOfWork, reads: Sequence[tuple[Read, str]], now: datetime, expired_before: datetime
) -> set[Key]:
    """``claim`` on PostgreSQL: one INSERT of arrays, the rows in key order."""
    rows = sorted(
        ((device.id, event.event_id, as_utc(event.observed_at), fingerprint))
        for (device, event), fingerprint in reads
    )
    devices, events, observed, prints = (list(column) for column in zip(*rows, strict=True))
    params = {
        "now": now,
        "expired_before": expired_before,
        "devices": devices,
        "events": events,
        "observed": observed,
        "prints": prints,
    }
    claimed = await uow.session.execute(_CLAIM_ON_POSTGRES, params)
    return {(device_id, event_id) for device_id, event_id in claimed}


@cache
def _claim_statement(dialect: str) -> Any:
    """The claim's INSERT ... ON CONFLICT of ``dialect``, built once (an executemany; every
    row carries the same ``expired_before``)."""
    table = table_of(CheckinRecord)
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return insert.on_conflict_do_update(
        index_elements=["device_id", "event_id"],
        set_={column: insert.excluded[column] for column in _TAKEN_OVER},
        where=table.c.received_at < bindparam("expired_before", type_=UtcDateTime()),
    ).returning(table.c.device_id, table.c.event_id)


async def stored_answers(
    uow: UnitOfWork, keys: Sequence[Key]
) -> dict[Key, tuple[str | None, bytes]]:
    """The stored fingerprint and answer of each key (all exist: the claim found them, and
    holds their rows locked on PostgreSQL, so a purge cannot take them meanwhile)."""
    if not keys:
        return {}
    rows = await uow.session.execute(
        select(
            CheckinRecord.device_id,
            CheckinRecord.event_id,
            CheckinRecord.fingerprint,
            CheckinRecord.answer,
        ).where(tuple_(CheckinRecord.device_id, CheckinRecord.event_id).in_(keys))
    )
    return {(device, event): (fingerprint, answer) for device, event, fingerprint, answer in rows}

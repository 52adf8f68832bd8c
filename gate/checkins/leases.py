"""The statements of a gate's check-in lease (``checkin_pipelines``): take it, renew it, give
it back, and check it inside a batch's own transaction.

Mutual exclusion rests on the fencing epoch, not on clocks. Every batch transaction's first
statement reads the gate's lease row with the holder and epoch its process believes it holds,
under ``FOR KEY SHARE`` (``held_devices``); no row: the lease was taken over, and the batch
decides nothing. A takeover first locks the row ``FOR UPDATE`` (``take``), which waits until
every batch holding the share lock has committed or rolled back, then moves the row to a new
holder with one more epoch: after it commits, the old holder's next batch finds no row. The
owner's renewals and release change no key column, so they take ``FOR NO KEY UPDATE``, which
a batch's ``FOR KEY SHARE`` does not wait for, nor they for it (PostgreSQL 15 documentation,
13.3.2 "Row-Level Locks", table 13.3). On SQLite every writing transaction begins with
``BEGIN IMMEDIATE`` (gate/store/database.py): one writer at a time, so the check and the
decision are never interleaved with a takeover anyway.

Expiry is judged by the processes' clocks (``expires_at`` against ``utc_now()``), only to
tell when a silent holder may be replaced; a wrong clock can cause an early takeover, never
two deciders."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gate.checkins.devices import SEEN, devices
from gate.checkins.reads import DeviceSeen
from gate.store.database import conflict_insert
from gate.store.tables import CheckinPipeline
from gate.store.tables.base import table_of

_pipelines = table_of(CheckinPipeline)


@dataclass(frozen=True, slots=True)
class Lease:
    """A gate's lease as its holder holds it: the fencing epoch it took it with."""

    gate_id: str
    holder: str
    epoch: int


@dataclass(frozen=True, slots=True)
class Seen:
    """A gate's lease row as read: who holds it, with which epoch, where it takes forwarded
    batches (``host:port``; empty: nowhere), and until when (UTC)."""

    holder: str
    epoch: int
    address: str
    expires_at: datetime


async def seen(session: AsyncSession, gate_id: str) -> Seen | None:
    """The gate's lease row, None if no process ever took it."""
    row = (
        await session.execute(
            select(
                _pipelines.c.holder,
                _pipelines.c.epoch,
                _pipelines.c.address,
                _pipelines.c.expires_at,
            ).where(_pipelines.c.gate_id == gate_id)
        )
    ).one_or_none()
    return None if row is None else Seen(row.holder, row.epoch, row.address, row.expires_at)


async def take(
    session: AsyncSession,
    gate_id: str,
    holder: str,
    address: str,
    until: datetime,
    after: Seen | None,
) -> Lease | None:
    """Take the gate's lease for ``holder`` until ``until``, if it is still as ``after`` saw
    it (None: no row yet); the lease taken, or None if another process changed it first (of
    two racing takers one wins: compare-and-set on the epoch, or the primary key for the first
    row). A takeover waits for the old holder's batches in flight (see the module's
    docstring). The caller commits."""
    if after is None:
        inserted = await session.scalar(
            conflict_insert(session)(_pipelines)
            .values(gate_id=gate_id, holder=holder, epoch=1, address=address, expires_at=until)
            .on_conflict_do_nothing(index_elements=["gate_id"])
            .returning(_pipelines.c.epoch)
        )
        return None if inserted is None else Lease(gate_id, holder, inserted)
    same = and_(_pipelines.c.gate_id == gate_id, _pipelines.c.epoch == after.epoch)
    locked = await session.scalar(select(_pipelines.c.epoch).where(same).with_for_update())
    if locked is None:
        return None
    await session.execute(
        update(_pipelines)
        .where(same)
        .values(holder=holder, epoch=after.epoch + 1, address=address, expires_at=until)
    )
    return Lease(gate_id, holder, after.epoch + 1)


async def renew(session: AsyncSession, holder: str, until: datetime) -> dict[str, int]:
    """Extend every lease ``holder`` still holds to ``until``, in one statement: gate id ->
    epoch of each. A gate missing from the answer was taken over. The caller commits."""
    rows = await session.execute(
        update(_pipelines)
        .where(_pipelines.c.holder == holder)
        .values(expires_at=until)
        .returning(_pipelines.c.gate_id, _pipelines.c.epoch)
    )
    return {gate_id: epoch for gate_id, epoch in rows.all()}


async def release(session: AsyncSession, leases: Collection[Lease], now: datetime) -> None:
    """Give leases back (a graceful stop): each expires ``now``, so the next process to route
    a check-in of its gate takes it at once. A lease taken over meanwhile is left alone. The
    caller commits."""
    for lease in leases:
        await session.execute(
            update(_pipelines)
            .where(
                _pipelines.c.gate_id == lease.gate_id,
                _pipelines.c.holder == lease.holder,
                _pipelines.c.epoch == lease.epoch,
            )
            .values(expires_at=now)
        )


# The devices named, read by the statement that checks a lease (``held_devices``): built once,
# its values given as parameters (building a select per batch, and its cache key, was a
# tenth of the batch's Python work: issue 20).
_HELD = (
    select(SEEN)
    .select_from(devices)
    .join(
        _pipelines,
        and_(
            _pipelines.c.gate_id == bindparam("lease_gate"),
            _pipelines.c.holder == bindparam("lease_holder"),
            _pipelines.c.epoch == bindparam("lease_epoch"),
        ),
    )
    .where(devices.c.id.in_(bindparam("device_ids", expanding=True)))
    .with_for_update(read=True, key_share=True, of=_pipelines)
)


def held_devices(lease: Lease, device_ids: Collection[str]) -> Select[DeviceSeen]:
    """The devices named (``DeviceSeen`` values: their columns, no mapped object), read in
    the statement that checks ``lease`` and share-locks its row until the transaction ends:
    a batch's first statement, so the check costs no round trip of its own. No device comes
    back if the lease was taken over (the devices named always exist: their keys were
    recognised). A batch runs the statement with ``devices_held`` instead."""
    return _HELD.params(_held_params(lease, device_ids))


def _held_params(lease: Lease, device_ids: Collection[str]) -> dict[str, Any]:
    """The parameters of the statement of ``held_devices`` for ``lease`` and
    ``device_ids``."""
    return {
        "lease_gate": lease.gate_id,
        "lease_holder": lease.holder,
        "lease_epoch": lease.epoch,
        "device_ids": list(device_ids),
    }


async def devices_held(
    session: AsyncSession, lease: Lease, device_ids: Collection[str]
) -> list[DeviceSeen]:
    """``held_devices`` run by the statement built once: the devices named, none if the
    lease was taken over."""
    return list(await session.scalars(_HELD, _held_params(lease, device_ids)))


def fence(lease: Lease) -> Select[tuple[int]]:
    """The lease check of a transaction that names no device (an officer's check-in by
    hand): the row's epoch if ``lease`` still holds, share-locked as ``held_devices`` does;
    no row if it was taken over. The transaction's first statement."""
    return (
        select(_pipelines.c.epoch)
        .where(
            _pipelines.c.gate_id == lease.gate_id,
            _pipelines.c.holder == lease.holder,
            _pipelines.c.epoch == lease.epoch,
        )
        .with_for_update(read=True, key_share=True)
    )

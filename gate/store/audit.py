"""Appending audited events to their hash chains, inside the transaction that made them, and
reading the chains back to verify them. A booking's events go to its gate's chain, and so do a
gate's dispatch orders and rules, and its notices posted and withdrawn; a vehicle's (grants,
transfers) to the vehicle's own chain, keyed by the vehicle's id; a waiting yard's visits to
the yard's chain, keyed by the yard's id. What each event becomes as a record and a row:
gate/store/audit_records.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.audit import GENESIS_HASH, AuditEntry, ChainBreak, chain_entry, verify_chains
from gate.domain.events import DomainEvent
from gate.store.audit_records import AuditedEvent, chain_of, entry_of, record_of, stored_row
from gate.store.database import conflict_insert
from gate.store.outbox import OUTBOX_CTE_ON_POSTGRES, outbox_document
from gate.store.tables import AuditHead, AuditLogEntry
from gate.store.tables.base import table_of

# The heads of the chains a commit appends to, locked in chain order (PostgreSQL's LockRows
# sits above the sort): one statement, however many chains.
_HEADS = (
    select(AuditHead.chain, AuditHead.seq, AuditHead.entry_hash)
    .where(AuditHead.chain.in_(bindparam("chains", expanding=True)))
    .order_by(AuditHead.chain)
    .with_for_update()
)
# PostgreSQL: every entry written and every head moved in one statement of one shape, the
# rows given as two JSON documents (a VALUES list would be a new statement, compiled and
# prepared again, for each size of batch).
_APPEND_SQL = """
    WITH written AS (
        INSERT INTO audit_log (chain, seq, occurred_at, event, subject_id, actor_kind,
            actor_id, role, from_status, to_status, reason, data, prev_hash, entry_hash,
            request_id)
        SELECT *
        FROM jsonb_to_recordset(CAST(CAST(:entries AS text) AS jsonb)) AS e(
            chain varchar, seq integer, occurred_at timestamptz, event varchar,
            subject_id varchar, actor_kind varchar, actor_id varchar, role varchar,
            from_status varchar, to_status varchar, reason varchar, data text,
            prev_hash varchar, entry_hash varchar, request_id varchar)
    ){outbox}
    UPDATE audit_heads AS h SET seq = n.seq, entry_hash = n.entry_hash
    FROM jsonb_to_recordset(CAST(CAST(:heads AS text) AS jsonb))
        AS n(chain varchar, seq integer, entry_hash varchar)
    WHERE h.chain = n.chain
    """
_APPEND_ON_POSTGRES = text(_APPEND_SQL.format(outbox=""))
# The same with the commit's outbox rows written too (issue 20: one round trip fewer).
_APPEND_WITH_OUTBOX = text(_APPEND_SQL.format(outbox="," + OUTBOX_CTE_ON_POSTGRES))
_MOVE_HEAD = (
    update(table_of(AuditHead))
    .where(table_of(AuditHead).c.chain == bindparam("head_chain"))
    .values(seq=bindparam("head_seq"), entry_hash=bindparam("head_hash"))
)


@dataclass(frozen=True, slots=True)
class LockedHead:
    """A chain's head as a statement of the transaction read it ``FOR UPDATE``."""

    chain: str
    seq: int
    entry_hash: str


async def append(
    session: AsyncSession,
    events: Sequence[AuditedEvent],
    outboxed: Sequence[DomainEvent] = (),
    locked: Mapping[str, LockedHead] | None = None,
) -> bool:
    """Write the events to their chains. The chains' head rows are locked until commit, so
    appends to one gate's chain are serialised across every process; other gates don't wait.
    Heads are locked in chain order, those that exist first and then those created here, so
    two transactions cannot deadlock on them. Two round trips on PostgreSQL whatever the
    number of events and chains (the heads locked; the entries and heads written). On
    PostgreSQL the ``outboxed`` events' rows are written by the same statement (True comes
    back); elsewhere (False) the caller writes them (gate/store/outbox.py). ``locked``: heads
    this transaction has locked already (the check-in locks its gate's with its last
    statement): when every chain appended to is among them, they are not read again."""
    by_chain: dict[str, list[AuditedEvent]] = defaultdict(list)
    for event in events:
        by_chain[chain_of(event)].append(event)
    chains = sorted(by_chain)
    heads: dict[str, Any]
    if locked and all(chain in locked for chain in chains):
        heads = {chain: locked[chain] for chain in chains}
    else:
        heads = {row.chain: row for row in await session.execute(_HEADS, {"chains": chains})}
    if len(heads) < len(chains):
        # A chain's first entry: create its head (two first writers may race here).
        await session.execute(
            conflict_insert(session)(AuditHead).on_conflict_do_nothing(index_elements=["chain"]),
            [
                {"chain": chain, "seq": 0, "entry_hash": GENESIS_HASH}
                for chain in chains
                if chain not in heads
            ],
        )
        new = [chain for chain in chains if chain not in heads]
        heads |= {row.chain: row for row in await session.execute(_HEADS, {"chains": new})}
    rows = []
    moved = []
    for chain in chains:
        head = heads[chain]
        previous: tuple[int, str] | None = (head.seq, head.entry_hash) if head.seq else None
        for event in by_chain[chain]:
            entry = chain_entry(chain, previous, record_of(event))
            rows.append(stored_row(entry, event.request_id))
            previous = (entry.seq, entry.entry_hash)
        assert previous is not None
        moved.append({"head_chain": chain, "head_seq": previous[0], "head_hash": previous[1]})
    if session.get_bind().dialect.name == "postgresql":
        params = {"entries": _json_rows(rows), "heads": _json_rows(_head_rows(moved))}
        if outboxed:
            params["outbox"] = outbox_document(outboxed)
        await session.execute(_APPEND_WITH_OUTBOX if outboxed else _APPEND_ON_POSTGRES, params)
        return True
    # Core executemany: a batch of check-ins appends dozens of entries at once.
    await session.execute(insert(table_of(AuditLogEntry)), rows)
    await session.execute(_MOVE_HEAD, moved)
    return False


def _head_rows(moved: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"chain": m["head_chain"], "seq": m["head_seq"], "entry_hash": m["head_hash"]}
        for m in moved
    ]


# Rows as JSON for ``jsonb_to_recordset``: msgspec writes a batch's hundreds of entries in
# one call, with no dictionary copied per row to turn its times into text (the stdlib json
# encoder was the commit's largest Python cost: issue 20).
_ENCODER = msgspec.json.Encoder()


def _json_rows(rows: list[dict[str, Any]]) -> str:
    """Rows as a JSON array for ``jsonb_to_recordset``: times in RFC 3339 with their offset
    (``Z`` for UTC) and microseconds, which timestamptz reads back exactly (the hash covers
    them)."""
    return _ENCODER.encode(rows).decode()


async def verify(
    session: AsyncSession, read: Callable[[], None] | None = None
) -> tuple[list[ChainBreak], int]:
    """Check every chain; the first break of each, and how many entries were checked.
    Entries are read in stored seq order; a reordering shows as hashes out of place.
    ``read`` is called once per entry read (``gate audit verify``'s progress)."""
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
        if read is not None:
            read()
    return verify_chains(by_chain, heads), count


async def entry_count(session: AsyncSession) -> int:
    """How many entries the audit log holds, every chain together."""
    return int(await session.scalar(select(func.count()).select_from(AuditLogEntry)) or 0)


async def history(session: AsyncSession, booking_id: str) -> list[AuditLogEntry]:
    """Every audited transition of one booking, oldest first."""
    query = select(AuditLogEntry).where(AuditLogEntry.subject_id == booking_id)
    return list(await session.scalars(query.order_by(AuditLogEntry.occurred_at, AuditLogEntry.seq)))

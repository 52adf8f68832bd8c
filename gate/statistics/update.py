"""Keeping the rollups current: fold in what each gate's audit chain says changed.

**Why the audit chains.** Every change of a booking that the statistics read (made,
rescheduled, cancelled, lapsed, checked in, called, re-queued, inspected, decided by an
agency, exited) is recorded as a booking event, appended to its gate's chain in the
transaction that makes the change (``gate/store/unit_of_work.py``). A chain's ``seq`` is
assigned under its head row's lock, held until commit (``gate/store/audit.py::append``): the
next appender reads the head only once the previous one committed. So a chain's entries
commit in seq order, and once seq n is visible every seq below it is too: "the last seq
folded" per chain is a watermark without gaps, where ``updated_at`` (stamped before commit,
by transactions that commit in any order) would miss rows.

**What is folded** is each named booking's row as it is now (with its fee's, when an entry
names the fee: ``gate/domain/fee_statistics.py``), not the event: a booking's
contributions are a function of its row (``gate/domain/statistics.py``), its last ones kept in
``statistics_bookings`` and taken away. The entries are read before the bookings, so a
booking read newer than its entries is folded again by the entry that follows: no harm.

**Several processes.** Each chain is folded under its mark's row lock (``FOR UPDATE``;
SQLite serialises writers), so two processes never fold one gate at once; the second reads
the first's new mark. Every fold shares a lock on the ``*`` mark, which a rebuild takes
exclusively. Rollup rows are keyed by gate, so folds of two gates touch none in common.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gate.statistics.fee_rows import bookings_of_fees
from gate.statistics.rows import chunks, refold
from gate.store.database import conflict_insert
from gate.store.tables import AuditLogEntry, Gate, StatisticsMark
from gate.store.unit_of_work import UnitOfWork

# The row every fold shares and a rebuild takes alone.
ALL_CHAINS = "*"
# Audit entries read per transaction: a long backlog is folded in short transactions.
BATCH = 2000


async def lock_mark(session: AsyncSession, chain: str, *, shared: bool = False) -> int:
    """The chain's mark, locked until commit (made at 0 on first use; two first users may
    race, ``ON CONFLICT DO NOTHING``). ``shared``: a lock others may share (PostgreSQL's
    ``FOR SHARE``)."""
    await session.execute(
        conflict_insert(session)(StatisticsMark)
        .values(chain=chain, seq=0)
        .on_conflict_do_nothing(index_elements=["chain"])
    )
    query = select(StatisticsMark.seq).where(StatisticsMark.chain == chain)
    return int((await session.execute(query.with_for_update(read=shared))).scalar_one())


async def fold_chain(session: AsyncSession, chain: str, limit: int = BATCH) -> int:
    """Fold in the bookings named by up to ``limit`` entries of ``chain`` past its mark, and
    move the mark; how many entries were read (fewer than ``limit``: the chain is done)."""
    await lock_mark(session, ALL_CHAINS, shared=True)
    mark = await lock_mark(session, chain)
    entries = (
        await session.execute(
            select(AuditLogEntry.seq, AuditLogEntry.subject_id)
            .where(AuditLogEntry.chain == chain, AuditLogEntry.seq > mark)
            .order_by(AuditLogEntry.seq)
            .limit(limit)
        )
    ).all()
    if not entries:
        return 0
    # Subjects that are not bookings (a dispatch order, a rule) are not found and skipped; a
    # fee's entry (paid, settled, money received) folds its booking again, fee and all.
    subjects = [entry.subject_id for entry in entries]
    of_fees = [b for chunk in chunks(subjects) for b in await bookings_of_fees(session, chunk)]
    await refold(session, subjects + of_fees)
    await session.execute(
        update(StatisticsMark).where(StatisticsMark.chain == chain).values(seq=entries[-1].seq)
    )
    return len(entries)


async def update_statistics(new_uow: Callable[[], UnitOfWork], limit: int = BATCH) -> int:
    """``gate statistics update`` and the periodic sweeps: every gate's chain folded in up to
    its end, ``limit`` entries per transaction; how many entries were read."""
    async with new_uow() as uow:
        gates = list(await uow.session.scalars(select(Gate.id).order_by(Gate.id)))
    read = 0
    for gate_id in gates:
        while True:
            async with new_uow() as uow:
                count = await fold_chain(uow.session, gate_id, limit)
                await uow.commit()
            read += count
            if count < limit:
                break
    return read

"""``gate statistics rebuild``: the rollups recomputed from the database's own rows.

The bookings and their agencies' decisions are read in chunks by id; the contributions of
every ``flush`` bookings (``FLUSH``) are summed in memory and appended to temporary tables,
so memory holds a part of the year, not the year (the fees' daily totals, a few thousand
rows a year, are summed whole and written at the end); at the end every tier (hourly, daily and
per month's weekday-hours) is summed from them in one statement, so each rollup row is
written once (``staging.py``; docs/benchmarks.md, "Statistics over a year", measures both
before and after); each booking's own is kept for the job that follows. The rollups are
analysed at the end (PostgreSQL). All in one transaction holding the ``*`` mark alone, so
no fold runs beside it. Each gate's mark is set to its chain's head, read before the
bookings: a change committed between the two is read again by the next fold, which finds the
booking as the rebuild counted it or newer.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from gate.domain.statistics import Contributions, contributions
from gate.statistics.fee_rows import add_fee_days
from gate.statistics.rows import CHUNK, encode, facts_of
from gate.statistics.staging import append, open_scratch, write_rollups
from gate.statistics.update import ALL_CHAINS, lock_mark
from gate.store.tables import (
    AuditHead,
    Booking,
    Gate,
    StatisticsBooking,
    StatisticsHour,
    StatisticsMark,
    StatisticsTime,
    statistics_day_times,
    statistics_days,
    statistics_fee_days,
    statistics_weekday_hours,
)
from gate.store.tables.base import table_of
from gate.store.unit_of_work import UnitOfWork

# Bookings summed in memory between two writes to the rollups.
FLUSH = 50_000


async def rebuild_statistics(uow: UnitOfWork, flush: int = FLUSH) -> int:
    """Recompute every rollup from the bookings (the caller commits); how many bookings.
    ``flush``: bookings summed in memory between two writes to the rollups."""
    session = uow.session
    await lock_mark(session, ALL_CHAINS)
    query = select(Gate.id, AuditHead.seq).outerjoin(AuditHead, AuditHead.chain == Gate.id)
    heads = {gate_id: seq for gate_id, seq in await session.execute(query)}
    for table in (
        table_of(StatisticsTime),
        table_of(StatisticsHour),
        table_of(StatisticsBooking),
        statistics_days,
        statistics_day_times,
        statistics_weekday_hours,
        statistics_fee_days,
    ):
        await session.execute(delete(table))
    await session.execute(delete(StatisticsMark).where(StatisticsMark.chain != ALL_CHAINS))
    await open_scratch(session)
    summed = Contributions()
    # The fees' totals are a few thousand days a year: kept whole, written once at the end.
    fees = Contributions()
    counted = 0
    held = 0
    after = ""
    while True:
        ids = list(
            await session.scalars(
                select(Booking.id)
                .where(Booking.id > after)
                .order_by(Booking.id)
                .limit(min(CHUNK, flush))
            )
        )
        if not ids:
            break
        after = ids[-1]
        ledger = []
        for booking_id, facts in (await facts_of(session, ids)).items():
            part = contributions(facts)
            summed.add(part)
            fees.add(Contributions(fees=part.fees))
            ledger.append({"booking_id": booking_id, "folded": encode(part)})
        await session.execute(insert(table_of(StatisticsBooking)), ledger)
        counted += len(ledger)
        held += len(ledger)
        if held >= flush:
            await append(session, summed)
            summed, held = Contributions(), 0
    await append(session, summed)
    await write_rollups(session)
    await add_fee_days(session, fees.fees)
    marks = [{"chain": gate_id, "seq": seq or 0} for gate_id, seq in sorted(heads.items())]
    if marks:
        await session.execute(insert(table_of(StatisticsMark)), marks)
    if session.get_bind().dialect.name == "postgresql":
        # Every row of the rollups is new: without fresh statistics the planner takes a
        # year's rollups for a few rows (docs/benchmarks.md, "Statistics over a year").
        # ANALYZE counts the rows this transaction wrote, so it runs before the commit.
        for name in _ROLLUPS:
            await session.execute(text(f"ANALYZE {name}"))
    return counted


async def vacuum_rollups(engine: AsyncEngine) -> None:
    """``VACUUM (ANALYZE)`` the rollups after a rebuild's commit (PostgreSQL; nothing on
    SQLite). The rebuild writes each row once now (``staging.py``), but its rows are new, so
    no page is in the visibility map yet: the reads over a year would fetch every row from
    the heap (not the covering indexes alone) until autovacuum comes round; before, its
    upserts also left 2 to 3 dead rows per live one (docs/benchmarks.md, "Statistics over a
    year"). VACUUM cannot run in a transaction."""
    if engine.dialect.name != "postgresql":
        return
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for name in _ROLLUPS:
            await autocommit.execute(text(f"VACUUM (ANALYZE) {name}"))


_ROLLUPS = (
    "statistics_hours",
    "statistics_times",
    "statistics_days",
    "statistics_day_times",
    "statistics_weekday_hours",
    "statistics_fee_days",
)

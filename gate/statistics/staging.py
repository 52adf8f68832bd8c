"""The rebuild's scratch tables: each part's contributions appended, the rollups written once.

``gate statistics rebuild`` reads the bookings by id, which is random in time, so every part
of the bookings adds to nearly every row of every tier. Adding each part to the rollups
(upserts) rewrote each row once per part: over a year 2 to 3 dead rows per live one and
swollen covering indexes (docs/benchmarks.md, "Statistics over a year"). Here each part's
sums are only appended (plain INSERTs) to two temporary tables, keyed by the hour and by the
hour's local day, month, weekday and hour of day as ``periods.py`` computes them in Python
(so no time zone is computed in SQL); at the end every tier is one ``INSERT ... SELECT``
summing them, grouped by its own key, into the emptied rollup: each rollup row is written
once, and the sums are those ``add_to_rollups`` would add up to (addition commutes). Keys
whose sums are all zero are left out, as ``add_to_rollups`` leaves them out.

The temporary tables live in the rebuild's transaction: made at its start and dropped at its
end (a rebuild that fails rolls both back, on PostgreSQL and SQLite alike).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.statistics import COUNTS, Contributions
from gate.statistics.periods import day_of, month_of, weekday_and_hour
from gate.store.tables import (
    StatisticsHour,
    StatisticsTime,
    statistics_day_times,
    statistics_days,
    statistics_weekday_hours,
)
from gate.store.tables.base import table_of
from gate.store.types import UtcDateTime

_scratch = MetaData()


def _key_columns() -> list[Column[Any]]:
    return [
        Column("gate_id", String(36)),
        Column("direction", String(10)),
        Column("hour", UtcDateTime()),
        Column("day", UtcDateTime()),
        Column("queue_class", String(12)),
    ]


# Counts of one part of the bookings per gate, direction, UTC hour and class.
_counts = Table(
    "rebuild_counts",
    _scratch,
    *_key_columns(),
    *(Column(name, Integer()) for name in COUNTS),
    prefixes=["TEMPORARY"],
)

# One bucket of one measure of one part per gate, direction, UTC hour and class.
_times = Table(
    "rebuild_times",
    _scratch,
    *_key_columns(),
    Column("month", UtcDateTime()),
    Column("weekday", SmallInteger()),
    Column("local_hour", SmallInteger()),
    Column("measure", String(40)),
    Column("bucket", Integer()),
    Column("count", Integer()),
    Column("seconds", BigInteger()),
    prefixes=["TEMPORARY"],
)


async def open_scratch(session: AsyncSession) -> None:
    """Make the two temporary tables in the session's transaction."""
    connection = await session.connection()
    await connection.run_sync(_scratch.create_all)


async def append(session: AsyncSession, part: Contributions) -> None:
    """Append one part's summed contributions (plain INSERTs, executemany) to the scratch
    tables, each hour's row with its local day, month, weekday and hour of day."""
    periods: dict[datetime, dict[str, Any]] = {}

    def of(hour: datetime) -> dict[str, Any]:
        if hour not in periods:
            weekday, local_hour = weekday_and_hour(hour)
            periods[hour] = {
                "hour": hour,
                "day": day_of(hour),
                "month": month_of(hour),
                "weekday": weekday,
                "local_hour": local_hour,
            }
        return periods[hour]

    counts: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for (key, column), n in part.counts.items():
        counts[key][column] += n
    if counts:
        rows = []
        for key, sums in counts.items():
            at = of(key.hour)
            rows.append(
                {"gate_id": key.gate_id, "direction": key.direction, "hour": key.hour}
                | {"day": at["day"], "queue_class": key.queue_class}
                | sums
            )
        await session.execute(insert(_counts), rows)
    if part.times:
        await session.execute(
            insert(_times),
            [
                {"gate_id": key.gate_id, "direction": key.direction, "queue_class": key.queue_class}
                | of(key.hour)
                | {"measure": measure, "bucket": bucket, "count": n, "seconds": s}
                for (key, measure, bucket), (n, s) in part.times.items()
            ],
        )


async def write_rollups(session: AsyncSession) -> None:
    """Sum the scratch tables into every (emptied) rollup, one ``INSERT ... SELECT`` per
    tier, and drop them. The rollups must be empty: a key already there is an error."""
    by_class = ("gate_id", "direction", "{}", "queue_class", "measure", "bucket")
    week = ("gate_id", "direction", "month", "measure", "weekday", "local_hour", "bucket")
    for target, period in ((table_of(StatisticsHour), "hour"), (statistics_days, "day")):
        key = ("gate_id", "direction", period, "queue_class")
        await _sum_into(session, target, _counts, key, COUNTS)
    for target, names in (
        (table_of(StatisticsTime), tuple(n.replace("{}", "hour") for n in by_class)),
        (statistics_day_times, tuple(n.replace("{}", "day") for n in by_class)),
        (statistics_weekday_hours, week),
    ):
        await _sum_into(session, target, _times, names, ("count", "seconds"))
    connection = await session.connection()
    await connection.run_sync(_scratch.drop_all)


async def _sum_into(
    session: AsyncSession,
    target: Table,
    source: Table,
    key: tuple[str, ...],
    sums: tuple[str, ...],
) -> None:
    totals: list[ColumnElement[Any]] = [func.sum(source.c[name]) for name in sums]
    query = (
        select(*(source.c[name] for name in key), *totals)
        .group_by(*(source.c[name] for name in key))
        .having(or_(*(total != 0 for total in totals)))
    )
    await session.execute(insert(target).from_select([*key, *sums], query))

"""Reading bookings as the statistics see them, and writing contributions to the rollups:
shared by the incremental job (``update.py``) and the rebuild (``rebuild.py``)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.clearance import Decision
from gate.domain.fee_statistics import FeeKey
from gate.domain.statistics import (
    COUNTS,
    AgencyTime,
    BookingFacts,
    Contributions,
    Key,
    contributions,
)
from gate.statistics.fee_rows import add_fee_days, fees_of
from gate.statistics.periods import day_of, month_of, weekday_and_hour
from gate.store.database import conflict_insert
from gate.store.tables import (
    Booking,
    ClearanceDecisionRow,
    StatisticsBooking,
    StatisticsHour,
    StatisticsTime,
    statistics_day_times,
    statistics_days,
    statistics_weekday_hours,
)
from gate.store.tables.base import table_of

REJECTED = Decision.REJECTED.value
# Ids per IN (...): well under SQLite's 32,766 bound parameters, and short statements.
CHUNK = 500

_FACT_COLUMNS = (
    Booking.id,
    Booking.gate_id,
    Booking.direction,
    Booking.slot_start,
    Booking.status,
    Booking.perishable,
    Booking.queue_class,
    Booking.walk_in,
    Booking.arrived_at,
    Booking.called_at,
    Booking.inspection_started_at,
    Booking.exited_at,
    Booking.predicted_call_at,
)


def chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


async def facts_of(session: AsyncSession, ids: Sequence[str]) -> dict[str, BookingFacts]:
    """The facts of the bookings among ``ids`` (ids of anything else are left out): two
    statements, the bookings and their agencies' decisions, and their fees' (``fee_rows.py``:
    one more, three when any has a fee)."""
    rows = (await session.execute(select(*_FACT_COLUMNS).where(Booking.id.in_(ids)))).all()
    decisions: dict[str, list[AgencyTime]] = defaultdict(list)
    query = (
        select(
            ClearanceDecisionRow.booking_id,
            ClearanceDecisionRow.agency,
            ClearanceDecisionRow.decided_at,
            ClearanceDecisionRow.decision,
        )
        .where(ClearanceDecisionRow.booking_id.in_([row.id for row in rows]))
        .order_by(ClearanceDecisionRow.decided_at, ClearanceDecisionRow.id)
    )
    for booking_id, agency, decided_at, decision in await session.execute(query):
        decisions[booking_id].append(AgencyTime(agency, decided_at, decision == REJECTED))
    fees = await fees_of(session, [row.id for row in rows])
    return {
        row.id: BookingFacts(
            gate_id=row.gate_id,
            direction=row.direction,
            slot_start=row.slot_start,
            status=row.status,
            perishable=row.perishable,
            queue_class=row.queue_class,
            walk_in=row.walk_in,
            arrived_at=row.arrived_at,
            called_at=row.called_at,
            inspection_started_at=row.inspection_started_at,
            exited_at=row.exited_at,
            predicted_call_at=row.predicted_call_at,
            decisions=tuple(decisions[row.id]),
            fee=fees.get(row.id),
        )
        for row in rows
    }


def encode(part: Contributions) -> str:
    """A booking's contributions as canonical JSON, for ``statistics_bookings.folded``."""
    counts = sorted([*_key(key), column, n] for (key, column), n in part.counts.items())
    times = sorted(
        [*_key(key), measure, bucket, count, seconds]
        for (key, measure, bucket), (count, seconds) in part.times.items()
    )
    data: dict[str, list[Any]] = {"counts": counts, "times": times}
    if part.fees:  # left out without a fee: a booking's encoding before fees stays the same
        data["fees"] = sorted(
            [key.gate_id, key.direction, key.day.isoformat(), column, amount]
            for (key, column), amount in part.fees.items()
        )
    return json.dumps(data, separators=(",", ":"))


def decode(text: str) -> Contributions:
    data = json.loads(text)
    part = Contributions()
    for gate_id, direction, hour, queue_class, column, n in data["counts"]:
        part.counts[Key(gate_id, direction, datetime.fromisoformat(hour), queue_class), column] = n
    for gate_id, direction, hour, queue_class, measure, bucket, count, seconds in data["times"]:
        key = Key(gate_id, direction, datetime.fromisoformat(hour), queue_class)
        part.times[key, measure, bucket] = (count, seconds)
    for gate_id, direction, day, column, amount in data.get("fees", ()):
        part.fees[FeeKey(gate_id, direction, datetime.fromisoformat(day)), column] = amount
    return part


def _key(key: Key) -> list[Any]:
    return [key.gate_id, key.direction, key.hour.isoformat(), key.queue_class]


async def refold(session: AsyncSession, ids: Sequence[str]) -> int:
    """Fold the bookings among ``ids`` in again: each one's last contributions (its
    ``statistics_bookings`` row) taken away and its current ones added. The caller holds the
    lock that makes it the only one folding these bookings. How many bookings changed."""
    delta = Contributions()
    ledger = []
    for chunk in chunks(sorted(set(ids))):
        facts = await facts_of(session, chunk)
        query = select(StatisticsBooking.booking_id, StatisticsBooking.folded).where(
            StatisticsBooking.booking_id.in_(list(facts))
        )
        held = {booking_id: folded for booking_id, folded in await session.execute(query)}
        for booking_id, booking in facts.items():
            now = encode(contributions(booking))
            if held.get(booking_id) == now:
                continue
            delta.add(decode(now))
            if booking_id in held:
                delta.add(decode(held[booking_id]), -1)
            ledger.append({"booking_id": booking_id, "folded": now})
    if ledger:
        insert = conflict_insert(session)
        statement = insert(table_of(StatisticsBooking))
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["booking_id"], set_={"folded": statement.excluded.folded}
            ),
            ledger,
        )
    await add_to_rollups(session, delta)
    return len(ledger)


async def add_to_rollups(session: AsyncSession, delta: Contributions) -> None:
    """Add ``delta`` to the rollups with upserts (executemany): a key seen first is
    inserted, a key there is added to. The hourly rows, and the same sums re-keyed by the
    hour's local day (``statistics_days``, ``statistics_day_times``) and by its local month,
    weekday and hour of day, not by class (``statistics_weekday_hours``): every tier is a
    sum of the same contributions, so reading any gives the same answer (``reads.py``).
    The fees' totals per day go to ``statistics_fee_days`` (``fee_rows.py``)."""
    by_hour: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    by_day: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for (key, column), n in delta.counts.items():
        by_hour[key][column] += n
        by_day[Key(key.gate_id, key.direction, day_of(key.hour), key.queue_class)][column] += n
    hour_times: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    day_times: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    week_times: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for (key, measure, bucket), (n, s) in delta.times.items():
        weekday, local_hour = weekday_and_hour(key.hour)
        for into, slot in (
            (hour_times, (*_at(key, key.hour), measure, bucket)),
            (day_times, (*_at(key, day_of(key.hour)), measure, bucket)),
            (week_times, (*_at(key, month_of(key.hour))[:3], measure, weekday, local_hour, bucket)),
        ):
            into[slot][0] += n
            into[slot][1] += s
    hours, times = table_of(StatisticsHour), table_of(StatisticsTime)
    await _upsert_counts(session, hours, "hour", by_hour)
    await _upsert_counts(session, statistics_days, "day", by_day)
    by_class = ("gate_id", "direction", "{}", "queue_class", "measure", "bucket")
    await _upsert_times(session, times, by_class, "hour", hour_times)
    await _upsert_times(session, statistics_day_times, by_class, "day", day_times)
    week = ("gate_id", "direction", "{}", "measure", "weekday", "local_hour", "bucket")
    await _upsert_times(session, statistics_weekday_hours, week, "month", week_times)
    await add_fee_days(session, delta.fees)


async def _upsert_counts(
    session: AsyncSession, table: Table, period: str, by_key: dict[Key, dict[str, int]]
) -> None:
    # A delta that sums to nothing in a period (a booking moved within one day) is not
    # written: its row is there already, made when the period was first counted in.
    by_key = {key: counts for key, counts in by_key.items() if any(counts.values())}
    if not by_key:
        return
    statement = conflict_insert(session)(table)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["gate_id", "direction", period, "queue_class"],
            set_={c: table.c[c] + statement.excluded[c] for c in COUNTS},
        ),
        [_row(key, period) | counts for key, counts in sorted(by_key.items())],
    )


async def _upsert_times(
    session: AsyncSession,
    table: Table,
    names: tuple[str, ...],
    period: str,
    sums: dict[tuple[Any, ...], list[int]],
) -> None:
    """Rows keyed by the columns ``names`` (``{}`` standing for ``period``'s) in the slots'
    order; sums of nothing are not written (see above)."""
    sums = {slot: pair for slot, pair in sums.items() if pair != [0, 0]}
    if not sums:
        return
    columns = tuple(period if name == "{}" else name for name in names)
    statement = conflict_insert(session)(table)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=list(columns),
            set_={c: table.c[c] + statement.excluded[c] for c in ("count", "seconds")},
        ),
        [
            dict(zip(columns, slot, strict=True)) | {"count": n, "seconds": s}
            for slot, (n, s) in sorted(sums.items())
        ],
    )


def _at(key: Key, period: datetime) -> tuple[str, str, datetime, str]:
    """A key's columns in the rollups' order, its hour replaced by ``period``."""
    return (key.gate_id, key.direction, period, key.queue_class)


def _row(key: Key, period: str) -> dict[str, Any]:
    return {
        "gate_id": key.gate_id,
        "direction": key.direction,
        period: key.hour,
        "queue_class": key.queue_class,
    }

"""Reading bookings as the statistics see them, and writing contributions to the rollups:
shared by the incremental job (``update.py``) and the rebuild (``rebuild.py``)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.clearance import Decision
from gate.domain.statistics import (
    COUNTS,
    AgencyTime,
    BookingFacts,
    Contributions,
    Key,
    contributions,
)
from gate.store.database import conflict_insert
from gate.store.tables import (
    Booking,
    ClearanceDecisionRow,
    StatisticsBooking,
    StatisticsHour,
    StatisticsTime,
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
    statements, the bookings and their agencies' decisions."""
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
    return json.dumps({"counts": counts, "times": times}, separators=(",", ":"))


def decode(text: str) -> Contributions:
    data = json.loads(text)
    part = Contributions()
    for gate_id, direction, hour, queue_class, column, n in data["counts"]:
        part.counts[Key(gate_id, direction, datetime.fromisoformat(hour), queue_class), column] = n
    for gate_id, direction, hour, queue_class, measure, bucket, count, seconds in data["times"]:
        key = Key(gate_id, direction, datetime.fromisoformat(hour), queue_class)
        part.times[key, measure, bucket] = (count, seconds)
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
    inserted, a key there is added to."""
    insert = conflict_insert(session)
    by_key: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for (key, column), n in delta.counts.items():
        by_key[key][column] += n
    if by_key:
        hours = table_of(StatisticsHour)
        statement = insert(hours)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["gate_id", "direction", "hour", "queue_class"],
                set_={c: hours.c[c] + statement.excluded[c] for c in COUNTS},
            ),
            [_row(key) | counts for key, counts in sorted(by_key.items())],
        )
    if delta.times:
        times = table_of(StatisticsTime)
        statement = insert(times)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["gate_id", "direction", "hour", "queue_class", "measure", "bucket"],
                set_={c: times.c[c] + statement.excluded[c] for c in ("count", "seconds")},
            ),
            [
                _row(key) | {"measure": measure, "bucket": bucket, "count": n, "seconds": s}
                for (key, measure, bucket), (n, s) in sorted(delta.times.items())
            ],
        )


def _row(key: Key) -> dict[str, Any]:
    return {
        "gate_id": key.gate_id,
        "direction": key.direction,
        "hour": key.hour,
        "queue_class": key.queue_class,
    }

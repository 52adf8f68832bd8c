"""The fees' side of the statistics' rows: each booking's fee read as the statistics see it
(``gate/domain/fee_statistics.py``), and its totals added to ``statistics_fee_days``. Shared by
the job (``update.py``, through ``rows.py``) and the rebuild (``rebuild.py``), as the
bookings' own rows are."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.fee_statistics import FEE_COUNTS, FeeFacts, FeeKey, FeeTotals, Money
from gate.store.database import conflict_insert
from gate.store.tables import statistics_fee_days
from gate.store.tables.fees import Fee, FeePayment, FeeRefund


async def fees_of(session: AsyncSession, booking_ids: Sequence[str]) -> dict[str, FeeFacts]:
    """The fees of the bookings among ``booking_ids`` (a booking without one is left out),
    by booking id, with their payments and refunds: three statements."""
    rows = (
        await session.execute(
            select(
                Fee.id,
                Fee.booking_id,
                Fee.gate_id,
                Fee.direction,
                Fee.status,
                Fee.amount_vnd,
                Fee.paid_amount_vnd,
                Fee.fixed_at,
                Fee.settled_at,
            ).where(Fee.booking_id.in_(booking_ids))
        )
    ).all()
    if not rows:
        return {}
    ids = [row.id for row in rows]
    payments: dict[str | None, list[Money]] = defaultdict(list)
    received = (
        select(FeePayment.fee_id, FeePayment.amount_vnd, FeePayment.paid_at, FeePayment.provider)
        .where(FeePayment.fee_id.in_(ids))
        .order_by(FeePayment.paid_at, FeePayment.id)
    )
    for fee_id, amount, paid_at, provider in await session.execute(received):
        payments[fee_id].append(Money(amount, paid_at, provider))
    refunds: dict[str | None, list[Money]] = defaultdict(list)
    owed = (
        select(FeeRefund.fee_id, FeeRefund.amount_vnd, FeeRefund.created_at)
        .where(FeeRefund.fee_id.in_(ids))
        .order_by(FeeRefund.created_at, FeeRefund.id)
    )
    for fee_id, amount, created_at in await session.execute(owed):
        refunds[fee_id].append(Money(amount, created_at))
    return {
        row.booking_id: FeeFacts(
            gate_id=row.gate_id,
            direction=row.direction,
            status=row.status,
            amount_vnd=row.amount_vnd,
            paid_amount_vnd=row.paid_amount_vnd,
            fixed_at=row.fixed_at,
            settled_at=row.settled_at,
            payments=tuple(payments[row.id]),
            refunds=tuple(refunds[row.id]),
        )
        for row in rows
    }


async def bookings_of_fees(session: AsyncSession, ids: Sequence[str]) -> list[str]:
    """The bookings of the fees among ``ids`` (an audit entry about a fee names the fee:
    ``gate/domain/fee_events.py``); ids of anything else find nothing."""
    query = select(Fee.booking_id).where(Fee.id.in_(ids))
    return list(await session.scalars(query))


def fee_rows(fees: FeeTotals) -> list[dict[str, object]]:
    """``fees`` as rows of ``statistics_fee_days`` (every column, zeros too), keys whose
    totals are all zero left out (a change within a day: its row is there already)."""
    by_key: dict[FeeKey, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FEE_COUNTS, 0))
    for (key, column), amount in fees.items():
        by_key[key][column] += amount
    return [
        {"gate_id": key.gate_id, "direction": key.direction, "day": key.day} | sums
        for key, sums in sorted(by_key.items())
        if any(sums.values())
    ]


async def add_fee_days(session: AsyncSession, fees: FeeTotals) -> None:
    """Add ``fees`` to ``statistics_fee_days`` with upserts (executemany), as
    ``rows.py::add_to_rollups`` adds the counts."""
    rows = fee_rows(fees)
    if not rows:
        return
    table = statistics_fee_days
    statement = conflict_insert(session)(table)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["gate_id", "direction", "day"],
            set_={c: table.c[c] + statement.excluded[c] for c in FEE_COUNTS},
        ),
        rows,
    )

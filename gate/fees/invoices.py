"""Invoice numbers (số hóa đơn): one sequence per series and year, without gaps or repeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from gate.domain.fees import invoice_number
from gate.domain.time import as_local
from gate.store.database import conflict_insert
from gate.store.tables.fees import InvoiceCounter
from gate.store.unit_of_work import UnitOfWork


async def take_invoice_numbers(
    uow: UnitOfWork, series: str, at: datetime, count: int = 1
) -> list[str]:
    """``count`` consecutive invoice numbers of ``series`` in the local year of ``at``
    (gate.domain.fees.invoice_number: ``HN260000123``). The counter's row stays locked to the
    commit (PostgreSQL; SQLite serialises writers): callers take numbers last, just before
    their transaction ends, so the lock is held for as little as can be. Conflict when the
    year's numbers run out."""
    if count <= 0:
        return []
    year, first = await take_sequence(uow, series, at, count)
    return [invoice_number(series, year, n) for n in range(first, first + count)]


async def take_sequence(uow: UnitOfWork, series: str, at: datetime, count: int) -> tuple[int, int]:
    """Take ``count`` (1 or more) consecutive numbers of ``series`` in the local year of
    ``at``: that year and the first number taken (from 1). The counter's row stays locked to
    the commit, as ``take_invoice_numbers`` says; cash receipts count here too, under their
    own series (gate.domain.receipts.receipt_series)."""
    year = as_local(at).year
    insert = conflict_insert(uow.session)
    await uow.session.execute(
        insert(InvoiceCounter)
        .values(series=series, year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["series", "year"])
    )
    last = await uow.session.scalar(
        update(InvoiceCounter)
        .where(InvoiceCounter.series == series, InvoiceCounter.year == year)
        .values(last_number=InvoiceCounter.last_number + count)
        .returning(InvoiceCounter.last_number)
    )
    assert last is not None
    return year, int(last) - count + 1

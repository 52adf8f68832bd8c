"""The statistics page's table of the infrastructure fee's totals (issue 19), per local day
of the window whatever its span: kept per day only (gate/domain/fee_statistics.py says what
each column counts and on which day). Drawn, charted and exported as the page's other tables
(``statistics_view.py``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.time import LOCAL_TZ
from gate.statistics.reads import fee_days
from services.web.statistics_view import DAYS, Table, Window, tables

# The fees' columns: (i18n key of the header, FeeDay's field); VND ones end in ``_vnd``.
FEE_COLUMNS = (
    ("stats_fee_fixed", "fixed"),
    ("stats_fee_fixed_vnd", "fixed_vnd"),
    ("stats_fee_paid_provider", "paid_provider_vnd"),
    ("stats_fee_paid_cash", "paid_cash_vnd"),
    ("stats_fee_statement", "statement_vnd"),
    ("stats_fee_refunded", "refunded_vnd"),
    ("stats_fee_voided", "voided"),
    ("stats_fee_voided_vnd", "voided_vnd"),
    ("stats_fee_outstanding", "outstanding_vnd"),
)


async def fee_table(session: AsyncSession, window: Window) -> Table:
    """The fees' totals of every local day of the window (gate/domain/fee_statistics.py:
    what each column counts, on which day), a day without fees as zeros: kept per day, so a
    day's window is one row."""
    found = {day.period: day for day in await fee_days(session, window.scope())}
    days = [
        datetime.combine(window.first_day + timedelta(days=d), time(0), LOCAL_TZ)
        for d in range(DAYS[window.span])
    ]
    rows = tuple(
        (
            day.date().isoformat(),
            *(getattr(found[day], field) if day in found else 0 for _, field in FEE_COLUMNS),
        )
        for day in days
    )
    money = tuple(i + 1 for i, (_, field) in enumerate(FEE_COLUMNS) if field.endswith("_vnd"))
    return Table("fees", ("stats_fee_day", *(key for key, _ in FEE_COLUMNS)), rows, money)


async def page_tables(session: AsyncSession, window: Window) -> tuple[Table, ...]:
    """Every table of the page for ``window``: the trucks' (``statistics_view.tables``),
    then the fees'."""
    return (*await tables(session, window), await fee_table(session, window))

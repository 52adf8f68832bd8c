"""Monthly statements issued: after a month ends, one statement per enterprise with fees on
statement of crossings booked in that month, numbered, totalled, its fees linked to it, once
whatever the retries and however many processes sweep at once (gate/domain/statements.py).
Paying one: gate/fees/statement_payments.py; its lines: ``statement_lines``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists, insert, select, update

from gate.domain.events import SYSTEM, Actor
from gate.domain.fee_events import StatementIssued
from gate.domain.fees import FeeStatus
from gate.domain.statements import (
    DUE,
    STATEMENT_PREFIX,
    check_month_ended,
    month_bounds,
    month_of,
    previous_month,
    statement_number,
)
from gate.store.database import conflict_insert
from gate.store.tables import Booking, Gate
from gate.store.tables.base import table_of
from gate.store.tables.fees import Fee, InvoiceCounter
from gate.store.tables.statements import FeeStatement, StatementFee
from gate.store.types import new_id
from gate.store.unit_of_work import UnitOfWork


def _unlisted(month: date) -> tuple[ColumnElement[bool], ...]:
    """The conditions of a fee for ``month``'s statement: on statement, of an enterprise,
    its booked hour in the month, on no statement yet."""
    start, end = month_bounds(month)
    return (
        Fee.status == FeeStatus.STATEMENT.value,
        Fee.enterprise_id.is_not(None),
        Booking.id == Fee.booking_id,
        Booking.slot_start >= start,
        Booking.slot_start < end,
        ~exists().where(StatementFee.fee_id == Fee.id),
    )


async def issue_month(
    uow: UnitOfWork, month: date, now: datetime, actor: Actor = SYSTEM
) -> list[FeeStatement]:
    """Issue ``month``'s statements (its first day, local; ValidationFailed
    ``statement-month-not-ended`` before it ends): one for each enterprise with fees on
    statement of that month on no statement yet and no statement of the month yet; the
    statements issued now (none: nothing to issue, a repeat included). The month's counter
    row (``invoice_counters``, series ``SK`` + yymm) is locked first and to the commit, so
    issuers running at once take turns and the second finds the first's statements; the
    numbers follow each other without gaps. Each audited (``statement.issued``)."""
    first = check_month_ended(month, now)
    conditions = _unlisted(first)
    probe = await uow.session.scalar(select(Fee.id).where(*conditions).limit(1))
    if probe is None:
        return []
    series = f"{STATEMENT_PREFIX}{first.year % 100:02d}{first.month:02d}"
    counter = conflict_insert(uow.session)
    await uow.session.execute(
        counter(InvoiceCounter)
        .values(series=series, year=first.year, last_number=0)
        .on_conflict_do_nothing(index_elements=["series", "year"])
    )
    last = await uow.session.scalar(
        update(InvoiceCounter)
        .where(InvoiceCounter.series == series, InvoiceCounter.year == first.year)
        .values(last_number=InvoiceCounter.last_number)
        .returning(InvoiceCounter.last_number)
    )
    issued_before = set(
        await uow.session.scalars(
            select(FeeStatement.enterprise_id).where(FeeStatement.month == first)
        )
    )
    fees: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for fee_id, enterprise_id, amount in await uow.session.execute(
        select(Fee.id, Fee.enterprise_id, Fee.amount_vnd)
        .where(*conditions)
        .order_by(Fee.enterprise_id, Fee.fixed_at, Fee.id)
    ):
        if enterprise_id is not None and enterprise_id not in issued_before:
            fees[enterprise_id].append((fee_id, amount))
    sequence = int(last or 0)
    issued: list[FeeStatement] = []
    for enterprise_id in sorted(fees):
        sequence += 1
        lines = fees[enterprise_id]
        statement = FeeStatement(
            id=new_id(),
            enterprise_id=enterprise_id,
            month=first,
            number=statement_number(first, sequence),
            total_vnd=sum(amount for _, amount in lines),
            fee_count=len(lines),
            issued_at=now,
            status=DUE,
            paid_amount_vnd=0,
            version=1,
        )
        uow.session.add(statement)
        issued.append(statement)
    if not issued:
        return []
    await uow.session.flush()
    await uow.session.execute(
        insert(table_of(StatementFee)),
        [
            {"fee_id": fee_id, "statement_id": statement.id}
            for statement in issued
            for fee_id, _ in fees[statement.enterprise_id]
        ],
    )
    await uow.session.execute(
        update(InvoiceCounter)
        .where(InvoiceCounter.series == series, InvoiceCounter.year == first.year)
        .values(last_number=sequence)
    )
    for statement in issued:
        uow.record(
            StatementIssued(
                enterprise_id=statement.enterprise_id,
                subject_id=statement.id,
                actor=actor,
                to_status=DUE,
                facts={
                    "number": statement.number,
                    "month": first.isoformat(),
                    "total_vnd": statement.total_vnd,
                    "fee_count": statement.fee_count,
                },
            )
        )
    return issued


async def sweep_statements(uow: UnitOfWork, now: datetime) -> int:
    """The sweep's part (gate/sweeps.py): issue last month's statements once it has ended;
    how many were issued (0 on every later round: one cheap query finds nothing)."""
    return len(await issue_month(uow, previous_month(month_of(now)), now))


async def statements_of(uow: UnitOfWork, enterprise_id: str) -> list[FeeStatement]:
    """The enterprise's statements, the latest month first."""
    rows = await uow.session.scalars(
        select(FeeStatement)
        .where(FeeStatement.enterprise_id == enterprise_id)
        .order_by(FeeStatement.month.desc())
    )
    return list(rows)


async def statement_by_number(
    uow: UnitOfWork, number: str, enterprise_id: str | None = None
) -> FeeStatement | None:
    """The statement of ``number`` (upper-cased); with ``enterprise_id``, only that
    enterprise's (another's is as unknown: its existence is not told)."""
    query = select(FeeStatement).where(FeeStatement.number == number.strip().upper())
    if enterprise_id is not None:
        query = query.where(FeeStatement.enterprise_id == enterprise_id)
    return await uow.session.scalar(query)


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One crossing on a statement: its booked hour (aware, UTC), invoice number, gate (the
    row), direction, vehicle type and load class as charged, and the amount (VND)."""

    slot_start: datetime
    invoice_number: str
    gate: Gate
    direction: str
    vehicle_type: str
    load_class: str
    amount_vnd: int


async def statement_lines(uow: UnitOfWork, statement_id: str) -> list[StatementLine]:
    """The statement's crossings in the order they were booked for."""
    rows = await uow.session.execute(
        select(Booking.slot_start, Fee, Gate)
        .join(StatementFee, StatementFee.fee_id == Fee.id)
        .join(Booking, Booking.id == Fee.booking_id)
        .join(Gate, Gate.id == Fee.gate_id)
        .where(StatementFee.statement_id == statement_id)
        .order_by(Booking.slot_start, Fee.invoice_number)
    )
    return [
        StatementLine(
            slot,
            fee.invoice_number,
            gate,
            fee.direction,
            fee.vehicle_type,
            fee.load_class,
            fee.amount_vnd,
        )
        for slot, fee, gate in rows
    ]

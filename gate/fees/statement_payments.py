"""Money that went to a monthly statement: the sum received added up, the statement paid when
it reaches the total, and then each of its fees still on statement paid. Called only by
gate/payments/receiving.py, the one way money is recorded (a provider's notification whose
reference is the statement's number, or the administrator's record of a transfer)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from gate.domain.events import Actor
from gate.domain.fee_events import FeePaid, StatementPaid
from gate.domain.fees import FeeStatus
from gate.domain.statements import DUE, PAID, find_statement_numbers
from gate.fees.events import fee_event
from gate.store.tables import Gate
from gate.store.tables.fees import Fee
from gate.store.tables.statements import FeeStatement, StatementFee, StatementPayment
from gate.store.unit_of_work import UnitOfWork


async def statement_named(uow: UnitOfWork, reference: str | None) -> FeeStatement | None:
    """The statement the first statement number in ``reference`` names (a transfer's text:
    gate.domain.statements.find_statement_numbers), its row locked to the commit (two
    payments of one statement add up one after the other); None when none does."""
    numbers = find_statement_numbers(reference or "")
    if not numbers:
        return None
    found = {
        statement.number: statement
        for statement in await uow.session.scalars(
            select(FeeStatement).where(FeeStatement.number.in_(numbers)).with_for_update()
        )
    }
    return next((found[n] for n in numbers if n in found), None)


async def statement_of_payment(uow: UnitOfWork, payment_id: str) -> FeeStatement | None:
    """The statement a recorded payment went to (None: none)."""
    return await uow.session.scalar(
        select(FeeStatement)
        .join(StatementPayment, StatementPayment.statement_id == FeeStatement.id)
        .where(StatementPayment.payment_id == payment_id)
    )


async def on_issued_statement(uow: UnitOfWork, fee: Fee) -> bool:
    """Whether ``fee`` (on statement) is on an issued statement: then it is paid with the
    statement only, so that nobody pays it twice. No query for a fee not on statement."""
    if fee.status != FeeStatus.STATEMENT.value:
        return False
    found = await uow.session.scalar(
        select(StatementFee.fee_id).where(StatementFee.fee_id == fee.id)
    )
    return found is not None


async def pay_into_statement(
    uow: UnitOfWork,
    statement: FeeStatement,
    payment_id: str,
    amount_vnd: int,
    now: datetime,
    actor: Actor,
) -> tuple[bool, int]:
    """Add a recorded payment (``fee_payments`` row ``payment_id``, ``amount_vnd``) to a
    statement locked by ``statement_named``: ``(paid_now, surplus_vnd)``. A statement paid
    already takes nothing (the whole amount is surplus, owed back by the caller). When the
    sum reaches the total the statement is paid (``statement.paid``) and so is each of its
    fees (``fee.paid`` each, in its gate's chain)."""
    uow.session.add(StatementPayment(payment_id=payment_id, statement_id=statement.id))
    if statement.status != DUE:
        await uow.session.flush()
        return False, amount_vnd
    owed = statement.total_vnd - statement.paid_amount_vnd
    statement.paid_amount_vnd += min(amount_vnd, owed)
    statement.version += 1
    paid_now = statement.paid_amount_vnd >= statement.total_vnd
    if paid_now:
        await _mark_paid(uow, statement, now, actor)
    await uow.session.flush()
    return paid_now, max(amount_vnd - owed, 0)


async def _mark_paid(uow: UnitOfWork, statement: FeeStatement, now: datetime, actor: Actor) -> None:
    statement.status = PAID
    statement.paid_at = now
    fees = list(
        await uow.session.scalars(
            select(Fee)
            .join(StatementFee, StatementFee.fee_id == Fee.id)
            .where(
                StatementFee.statement_id == statement.id,
                Fee.status == FeeStatus.STATEMENT.value,
            )
            .order_by(Fee.id)
            .with_for_update()
        )
    )
    if fees:
        await uow.session.execute(
            update(Fee)
            .where(Fee.id.in_([fee.id for fee in fees]))
            .values(
                status=FeeStatus.PAID.value,
                paid_at=now,
                paid_amount_vnd=Fee.amount_vnd,
                version=Fee.version + 1,
            )
            .execution_options(synchronize_session="fetch")
        )
    gates = {
        gate.id: gate
        for gate in await uow.session.scalars(
            select(Gate).where(Gate.id.in_({fee.gate_id for fee in fees}))
        )
    }
    for fee in fees:
        uow.record(
            fee_event(
                FeePaid,
                fee,
                gates[fee.gate_id].code,
                actor,
                before=FeeStatus.STATEMENT.value,
                after=FeeStatus.PAID.value,
                facts={"paid_amount_vnd": fee.amount_vnd, "statement_number": statement.number},
            )
        )
    uow.record(
        StatementPaid(
            enterprise_id=statement.enterprise_id,
            subject_id=statement.id,
            actor=actor,
            from_status=DUE,
            to_status=PAID,
            facts={
                "number": statement.number,
                "total_vnd": statement.total_vnd,
                "paid_amount_vnd": statement.paid_amount_vnd,
            },
        )
    )

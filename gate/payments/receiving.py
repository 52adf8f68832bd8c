"""Money received for a fee, recorded once per provider and transaction, whatever the retries:
the fee paid when the sum received reaches it, and the truck released from the unpaid-fee
rule; money that pays no crossing is owed back (a refund row)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from gate.domain.events import Actor
from gate.domain.fee_events import FeePaid, FeePaymentReceived
from gate.domain.fees import FeeStatus, find_invoice_numbers
from gate.domain.payments import PayoutDue
from gate.fees.events import fee_event
from gate.fees.statement_payments import (
    on_issued_statement,
    pay_into_statement,
    statement_named,
    statement_of_payment,
)
from gate.store.database import conflict_insert
from gate.store.tables import Booking, Gate
from gate.store.tables.fees import Fee, FeePayment, FeeRefund
from gate.store.tables.statements import FeeStatement
from gate.store.types import new_id
from gate.store.unit_of_work import UnitOfWork

# Why money is sent back when it pays no crossing (a fee_refunds row's rule).
UNMATCHED = "payment-unmatched"  # the reference names no fee
NOT_OWED = "payment-not-owed"  # the fee was settled (void, refunded) or already paid

# The statuses in which money received counts towards the fee.
OWED = frozenset({FeeStatus.DUE.value, FeeStatus.STATEMENT.value})


@dataclass(frozen=True, slots=True)
class Received:
    """Money as a provider or an officer reports it: ``provider`` (``cash`` for an officer),
    its ``transaction_id`` (unique per provider; a cash receipt's number), the amount in VND,
    the ``reference`` the payer wrote (where the invoice number is looked for) and when it was
    paid. ``fee_id``: the fee when the caller knows it (cash taken for a truck at the lane);
    ``receipt_number`` and ``officer_id`` for cash."""

    provider: str
    transaction_id: str
    amount_vnd: int
    reference: str | None
    paid_at: datetime
    fee_id: str | None = None
    receipt_number: str | None = None
    officer_id: str | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """What recording ``Received`` did: the payment row (the first one's, for a retry), the
    fee it went to (None: none matched, or it went to a monthly ``statement``), whether this
    call was a retry of one recorded before (``repeated``: nothing changed) and whether the
    fee (or the statement) became paid by it."""

    payment: FeePayment
    fee: Fee | None
    repeated: bool
    paid_now: bool
    statement: FeeStatement | None = None


async def receive_payment(
    uow: UnitOfWork, received: Received, now: datetime, actor: Actor
) -> Receipt:
    """Record money received, once: a second call with the same provider and transaction
    (a retried notification, sequential or concurrent) finds the first's row and changes
    nothing (the unique index decides between concurrent ones). The fee is the caller's, or
    the first fee named by an invoice number in the reference
    (gate.domain.fees.find_invoice_numbers), else the monthly statement its number names
    (gate/fees/statement_payments.py: paid when the sum reaches its total, and its fees
    with it). Owed (due, or on a statement): the amount is added up to what is owed, and
    the fee is paid once the sum reaches it (``fee.paid``, audited; the booking's
    ``fee_unpaid`` cleared: the truck may be called). Not owed (no fee, or settled, or paid
    already, or on an issued monthly statement): the money is owed back, a ``fee_refunds``
    row (rule ``payment-unmatched`` or ``payment-not-owed``) for the surplus, its payout
    outboxed (``refund.payout_due``: gate/payments/payouts.py). Money for a fee that does
    not make it paid is audited too (``fee.payment_received``)."""
    insert = conflict_insert(uow.session)
    payment_id = new_id()
    stored = await uow.session.scalar(
        insert(FeePayment)
        .values(
            id=payment_id,
            fee_id=None,
            provider=received.provider,
            transaction_id=received.transaction_id,
            amount_vnd=received.amount_vnd,
            reference=received.reference,
            paid_at=received.paid_at,
            received_at=now,
            receipt_number=received.receipt_number,
            officer_id=received.officer_id,
        )
        .on_conflict_do_nothing(index_elements=["provider", "transaction_id"])
        .returning(FeePayment.id)
    )
    if stored is None:
        first = await uow.session.scalar(
            select(FeePayment).where(
                FeePayment.provider == received.provider,
                FeePayment.transaction_id == received.transaction_id,
            )
        )
        assert first is not None
        fee = await uow.session.get(Fee, first.fee_id) if first.fee_id else None
        statement = None if fee else await statement_of_payment(uow, first.id)
        return Receipt(first, fee, repeated=True, paid_now=False, statement=statement)
    payment = await uow.session.get(FeePayment, payment_id)
    assert payment is not None
    fee = await _fee_for(uow, received)
    if fee is None and received.fee_id is None:
        # A monthly statement's number instead of an invoice's (gate/fees/statement_payments.py).
        statement = await statement_named(uow, received.reference)
        if statement is not None:
            paid_now, surplus = await pay_into_statement(
                uow, statement, payment.id, received.amount_vnd, now, actor
            )
            await _owe_back(uow, None, payment, surplus, NOT_OWED, now)
            return Receipt(payment, None, repeated=False, paid_now=paid_now, statement=statement)
    if fee is None:
        await _owe_back(uow, None, payment, received.amount_vnd, UNMATCHED, now)
        return Receipt(payment, None, repeated=False, paid_now=False)
    payment.fee_id = fee.id
    # A fee on an issued statement is paid with the statement, never twice: money naming
    # its invoice goes back (gate/fees/statement_payments.py).
    if fee.status not in OWED or await on_issued_statement(uow, fee):
        await _owe_back(uow, fee, payment, received.amount_vnd, NOT_OWED, now)
        await _record_received(uow, fee, received, actor)
        return Receipt(payment, fee, repeated=False, paid_now=False)
    owed = fee.amount_vnd - fee.paid_amount_vnd
    # Only what the fee was owed counts as paid: the surplus is owed back by its own refund
    # row below, so a cancellation's refund (the paid amount) must not send it back again.
    fee.paid_amount_vnd += min(received.amount_vnd, owed)
    fee.version += 1
    paid_now = fee.paid_amount_vnd >= fee.amount_vnd
    if paid_now:
        await _mark_paid(uow, fee, now, actor)
    else:
        await _record_received(uow, fee, received, actor)
    if received.amount_vnd > owed:
        await _owe_back(uow, fee, payment, received.amount_vnd - owed, NOT_OWED, now)
    await uow.session.flush()
    return Receipt(payment, fee, repeated=False, paid_now=paid_now)


async def _fee_for(uow: UnitOfWork, received: Received) -> Fee | None:
    """The fee the money is for, its row locked to the commit (two payments of one fee add
    up one after the other)."""
    if received.fee_id is not None:
        return await uow.session.scalar(
            select(Fee).where(Fee.id == received.fee_id).with_for_update()
        )
    numbers = find_invoice_numbers(received.reference or "")
    if not numbers:
        return None
    found = {
        fee.invoice_number: fee
        for fee in await uow.session.scalars(
            select(Fee).where(Fee.invoice_number.in_(numbers)).with_for_update()
        )
    }
    return next((found[n] for n in numbers if n in found), None)


async def _mark_paid(uow: UnitOfWork, fee: Fee, now: datetime, actor: Actor) -> None:
    before = fee.status
    fee.status = FeeStatus.PAID.value
    fee.paid_at = now
    await uow.session.execute(
        update(Booking).where(Booking.id == fee.booking_id).values(fee_unpaid=False)
    )
    gate = await uow.session.get(Gate, fee.gate_id)
    assert gate is not None
    uow.record(
        fee_event(
            FeePaid,
            fee,
            gate.code,
            actor,
            before=before,
            facts={"paid_amount_vnd": fee.paid_amount_vnd},
        )
    )


async def _record_received(uow: UnitOfWork, fee: Fee, received: Received, actor: Actor) -> None:
    """Audit money that did not make the fee paid (``fee.payment_received``): a part, or
    money owed back; the fee's figures in the statistics follow its gate's chain."""
    gate = await uow.session.get(Gate, fee.gate_id)
    assert gate is not None
    uow.record(
        fee_event(
            FeePaymentReceived,
            fee,
            gate.code,
            actor,
            before=fee.status,
            facts={"received_vnd": received.amount_vnd, "paid_amount_vnd": fee.paid_amount_vnd},
        )
    )


async def _owe_back(
    uow: UnitOfWork,
    fee: Fee | None,
    payment: FeePayment,
    amount_vnd: int,
    rule: str,
    now: datetime,
) -> None:
    if amount_vnd <= 0:
        return
    refund = FeeRefund(
        fee_id=fee.id if fee else None,
        payment_id=payment.id,
        amount_vnd=amount_vnd,
        rule=rule,
        status="due",
        created_at=now,
    )
    uow.session.add(refund)
    await uow.session.flush()
    uow.record(
        PayoutDue(
            refund_id=refund.id,
            amount_vnd=amount_vnd,
            gate_id=fee.gate_id if fee else None,
            booking_id=fee.booking_id if fee else None,
            enterprise_id=fee.enterprise_id if fee else None,
        )
    )

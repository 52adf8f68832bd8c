"""Cash an officer takes at the gate for a crossing's fee, with a numbered receipt (biên lai).

The money is recorded as every payment is (gate/payments/receiving.py::receive_payment), with
the provider ``cash`` and the receipt's number as its transaction: so it pays the fee, releases
the truck from the unpaid-fee rule and is counted in the statements like a provider's money.
Cash for a fee that is not owed (paid, void, refunded or its refund due) is refused rather than
recorded as money to be sent back: the officer simply does not take it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from gate.domain.errors import Conflict, NotFound, ValidationFailed
from gate.domain.events import Actor
from gate.domain.fee_events import CashReceived
from gate.domain.fees import default_series, typed_invoice_number
from gate.domain.receipts import receipt_number, receipt_series
from gate.fees.invoices import take_sequence
from gate.payments.receiving import OWED, Received, receive_payment
from gate.store.tables import Gate
from gate.store.tables.fees import Fee, FeePayment
from gate.store.unit_of_work import UnitOfWork

CASH = "cash"  # the provider of the officers' cash (fee_payments.provider)


@dataclass(frozen=True, slots=True)
class CashTaken:
    """What taking cash did: the receipt's number, the payment row, the fee after it, and
    whether the fee became paid by it (the truck may then be called)."""

    receipt_number: str
    payment: FeePayment
    fee: Fee
    paid_now: bool


async def take_cash(
    uow: UnitOfWork,
    gate: Gate,
    invoice_number: str,
    amount_vnd: int,
    officer_id: str,
    actor: Actor,
    now: datetime,
) -> CashTaken:
    """Record ``amount_vnd`` (VND, 1 or more, at most what is still owed) taken in cash by the
    officer ``officer_id`` for the fee of ``invoice_number`` at ``gate``, under a new receipt
    number of the gate's receipt series (gate.domain.receipts); audited (``fee.cash_received``,
    and ``fee.paid`` when it pays the fee). Raises NotFound (no such fee at this gate),
    Conflict ``fee-not-owed`` (paid, void, refunded, refund due: nothing to take),
    ValidationFailed ``cash-more-than-owed`` (the officer gives the change and records what was
    owed: a surplus would have to be sent back) or ``cash-amount-positive``.

    Not idempotent by itself: each call is a new receipt. The caller makes a retry land once
    (the API's and the console's Idempotency-Key: services/api/fees/cash.py)."""
    if amount_vnd <= 0:
        raise ValidationFailed(
            "cash taken is 1 VND or more", why="cash-amount-positive", field="amount_vnd"
        )
    fee = await uow.session.scalar(
        select(Fee)
        .where(Fee.invoice_number == typed_invoice_number(invoice_number), Fee.gate_id == gate.id)
        .with_for_update()
    )
    if fee is None:
        raise NotFound(f"no fee with invoice number {invoice_number} at {gate.code}")
    if fee.status not in OWED:
        raise Conflict(
            f"the fee {invoice_number} is {fee.status}: nothing is owed for it",
            why="fee-not-owed",
        )
    owed = fee.amount_vnd - fee.paid_amount_vnd
    if amount_vnd > owed:
        raise ValidationFailed(
            f"{owed} VND is owed for {invoice_number}; take that and give the change",
            why="cash-more-than-owed",
            why_value=owed,
            field="amount_vnd",
        )
    series = receipt_series(gate.invoice_series or default_series(gate.code))
    year, sequence = await take_sequence(uow, series, now, 1)
    number = receipt_number(series, year, sequence)
    uow.record(
        CashReceived(
            subject_id=fee.id,
            gate=gate.code,
            gate_id=gate.id,
            booking_id=fee.booking_id,
            enterprise_id=fee.enterprise_id,
            actor=actor,
            facts={
                "receipt_number": number,
                "invoice_number": invoice_number,
                "amount_vnd": amount_vnd,
            },
        )
    )
    received = await receive_payment(
        uow,
        Received(
            provider=CASH,
            transaction_id=number,
            amount_vnd=amount_vnd,
            reference=invoice_number,
            paid_at=now,
            fee_id=fee.id,
            receipt_number=number,
            officer_id=officer_id,
        ),
        now,
        actor,
    )
    return CashTaken(number, received.payment, fee, received.paid_now)

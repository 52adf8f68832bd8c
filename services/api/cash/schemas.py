"""The API's types for cash taken at the gate and for a fee's receipt."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from gate.domain.fees import MAX_FEE_VND
from gate.payments.receipts import FeeReceipt
from gate.store.tables.fees import FeePayment
from services.common.schemas import Input, Output, local

AmountVnd = Annotated[int, msgspec.Meta(ge=1, le=MAX_FEE_VND, description="Whole dong (VND)")]


class CashCreate(Input):
    """Cash an officer took for a fee: the amount in VND, at most what is still owed."""

    amount_vnd: AmountVnd


class ReceiptPayment(Output):
    """Money counted towards the fee: the provider (``cash`` for an officer's), its
    transaction (a cash receipt's number), the amount and when it was paid (gates' clock)."""

    provider: str
    transaction_id: str
    receipt_number: str | None
    amount_vnd: int
    paid_at: datetime

    @classmethod
    def of(cls, row: FeePayment) -> ReceiptPayment:
        return cls(
            provider=row.provider,
            transaction_id=row.transaction_id,
            receipt_number=row.receipt_number,
            amount_vnd=row.amount_vnd,
            paid_at=local(row.paid_at),
        )


class FeeReceiptView(Output):
    """A fee's receipt (biên lai): the fee as charged, by which schedule version and decision,
    where it stands, and the money received for it. ``receipt_number``: the cash receipt this
    answer made (None when read, not made)."""

    invoice_number: str
    gate: str
    booking_id: str
    booking_code: str
    direction: str
    vehicle_type: str
    load_class: str
    amount_vnd: int
    paid_amount_vnd: int
    status: str
    schedule_version: int
    decision: str
    payments: list[ReceiptPayment]
    receipt_number: str | None = None

    @classmethod
    def of(cls, receipt: FeeReceipt, receipt_number: str | None = None) -> FeeReceiptView:
        fee = receipt.fee
        return cls(
            invoice_number=fee.invoice_number,
            gate=receipt.gate.code,
            booking_id=receipt.booking.id,
            booking_code=receipt.booking.code,
            direction=fee.direction,
            vehicle_type=fee.vehicle_type,
            load_class=fee.load_class,
            amount_vnd=fee.amount_vnd,
            paid_amount_vnd=fee.paid_amount_vnd,
            status=fee.status,
            schedule_version=receipt.schedule.version,
            decision=receipt.schedule.decision,
            payments=[ReceiptPayment.of(p) for p in receipt.payments],
            receipt_number=receipt_number,
        )

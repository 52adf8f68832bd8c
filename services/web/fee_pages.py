"""What the pages show of a crossing's fee for the unpaid-fee rule and its receipts (issue 19):
the console's yard part (each truck's fee: held while unpaid, the cash form) and the receipt
page the console and the portal draw (frontend/templates/fees/receipt.html)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from gate.domain.plates import format_plate
from gate.domain.receipts import vnd_in_words
from gate.payments.receipts import FeeReceipt
from gate.store.tables.fees import Fee
from gate.store.unit_of_work import UnitOfWork
from services.web.form_once import new_form_key


async def fees_of(uow: UnitOfWork, booking_ids: Iterable[str]) -> dict[str, Any]:
    """The yard part's fee context: ``fees`` (each shown truck's Fee by booking id: one
    statement; a truck booked before any schedule has none) and ``cash_keys`` (a fresh key
    per truck's cash form, by booking id: each form drawn is acted on once, and one form's
    key never meets another fee's)."""
    ids = list(booking_ids)
    rows: list[Fee] = []
    if ids:
        rows = list(await uow.session.scalars(select(Fee).where(Fee.booking_id.in_(ids))))
    fees = {fee.booking_id: fee for fee in rows}
    return {"fees": fees, "cash_keys": {booking_id: new_form_key() for booking_id in fees}}


def receipt_context(receipt: FeeReceipt) -> dict[str, Any]:
    """What frontend/templates/fees/receipt.html draws: the receipt, the full plate (only
    officers and the booking's enterprise see a receipt) and the amount in Vietnamese words
    (the receipt's legal text, the same in every language)."""
    return {
        "receipt": receipt,
        "fee": receipt.fee,
        "receipt_plate": format_plate(receipt.booking.plate),
        "amount_words": vnd_in_words(receipt.fee.amount_vnd),
    }

"""What the pages show of a crossing's fee for the unpaid-fee rule and its receipts (issue 19):
the console's yard part (each truck's fee: held while unpaid, the cash form) and the receipt
page the console and the portal draw (frontend/templates/fees/receipt.html)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gate.domain.plates import format_plate
from gate.domain.receipts import vnd_in_words
from gate.payments.receipts import FeeReceipt
from services.web.form_once import new_form_key


def cash_keys(booking_ids: Iterable[str]) -> dict[str, Any]:
    """The yard part's cash forms' keys: ``cash_keys``, a fresh key per shown truck's form,
    by booking id (each form drawn is acted on once, and one form's key never meets another
    fee's). The fees themselves come with the truck details (console_context.py)."""
    return {"cash_keys": {booking_id: new_form_key() for booking_id in booking_ids}}


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

"""The payment notifications' answer."""

from __future__ import annotations

from datetime import datetime

from services.common.schemas import Output


class PaymentRecorded(Output):
    """A provider's payment as recorded, the same for every retry of its notification:
    ``provider``, ``transaction_id``, ``amount_vnd``, ``invoice_number`` (the fee it was
    matched to; null: none, and the money is to be given back), ``received_at`` (when the
    first notification of it arrived, UTC)."""

    provider: str
    transaction_id: str
    amount_vnd: int
    invoice_number: str | None
    received_at: datetime

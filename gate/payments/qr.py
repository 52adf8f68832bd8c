"""The VietQR code a fee is paid by: the platform's payee account (GATE_PAYMENT_BANK_BIN,
GATE_PAYMENT_ACCOUNT, GATE_PAYMENT_ACCOUNT_NAME), the fee's amount, its invoice number as the
transfer's purpose. The pages draw it (the portal's qrcode SVG); the provider's notification
brings the invoice number back in the transfer's text."""

from __future__ import annotations

from gate.config import Settings
from gate.domain import vietqr


def payment_payload(settings: Settings, amount_vnd: int, invoice_number: str) -> str:
    """The VietQR payload for paying ``amount_vnd`` (whole đồng, above 0) against
    ``invoice_number`` into the platform's account. InvalidVietQR for an amount or invoice
    number a VietQR cannot carry."""
    return vietqr.build(
        bank_bin=settings.payment_bank_bin,
        account=settings.payment_account,
        amount_vnd=amount_vnd,
        reference=invoice_number,
        name=settings.payment_account_name or None,
    )

"""The VietQR code a page shows where money can be paid (issue 19): a fee still due (the
portal's booking page, the driver's page) and a monthly statement still due (the portal's
statement page). The payload is gate/payments/qr.py's (the platform's payee, the amount, the
invoice or statement number as the transfer's purpose, 62/08), drawn as an inline SVG QR code
by the ``qrcode`` library as the booking's code is (services/web/portal.py::qr_svg), with
what a payer types when scanning fails: the amount, the account and the reference.
frontend/templates/_pay_code.html draws it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from gate.config import Settings
from gate.domain.fees import FeeStatus
from gate.domain.statements import DUE as STATEMENT_DUE
from gate.payments.qr import payment_payload
from services.web.portal import qr_svg


class _Fee(Protocol):
    """A fee as the pages have it: the Fee row or its API view (FeeView)."""

    @property
    def amount_vnd(self) -> int: ...
    @property
    def paid_amount_vnd(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def invoice_number(self) -> str: ...


class _Statement(Protocol):
    """A monthly statement as the pages have it (the FeeStatement row)."""

    @property
    def total_vnd(self) -> int: ...
    @property
    def paid_amount_vnd(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def number(self) -> str: ...


@dataclass(frozen=True, slots=True)
class PayCode:
    """One code to pay by: ``payload`` (the VietQR text), ``svg`` (its QR code, inline SVG),
    ``amount_vnd`` (whole đồng), ``reference`` (what the transfer's text must carry), and the
    payee: ``bank_bin`` (6 digits, NAPAS's), ``account``, ``account_name``."""

    payload: str
    svg: str
    amount_vnd: int
    reference: str
    bank_bin: str
    account: str
    account_name: str


def pay_code(settings: Settings, amount_vnd: int, reference: str) -> PayCode | None:
    """The code for paying ``amount_vnd`` (đồng) against ``reference`` into the settings'
    payee; None when nothing is left to pay (0 or less: a VietQR amount is above 0).
    InvalidVietQR for a reference a VietQR cannot carry (not letters and digits)."""
    if amount_vnd <= 0:
        return None
    payload = payment_payload(settings, amount_vnd, reference)
    return PayCode(
        payload=payload,
        svg=qr_svg(payload),
        amount_vnd=amount_vnd,
        reference=reference,
        bank_bin=settings.payment_bank_bin,
        account=settings.payment_account,
        account_name=settings.payment_account_name,
    )


def fee_pay_code(settings: Settings, fee: _Fee | None) -> PayCode | None:
    """The code for a crossing's fee while it is ``due`` (not paid, not on a statement, not
    cancelled), for what is left of it: its amount less what was received already (a part
    paid: gate/payments/receiving.py pays the fee once the sum reaches the amount). None
    otherwise, and for no fee."""
    if fee is None or fee.status != FeeStatus.DUE.value:
        return None
    return pay_code(settings, fee.amount_vnd - fee.paid_amount_vnd, fee.invoice_number)


def statement_pay_code(settings: Settings, statement: _Statement) -> PayCode | None:
    """The code for a monthly statement while it is due: its total less what was received,
    its number as the reference (gate/payments/receiving.py finds a statement by it). None
    once paid."""
    if statement.status != STATEMENT_DUE:
        return None
    return pay_code(settings, statement.total_vnd - statement.paid_amount_vnd, statement.number)

"""Payments received (tiền thu phí) through a payment provider: what a verified notification
says, and how its free text is matched to an invoice.

A provider (a bank's or an intermediary's API) tells the platform of a transfer received
into the gate's account by a signed notification; each provider's adapter
(``gate/payments/providers/``) checks the signature and reads its body into one
ProviderNotification. The payer's bank carries the transfer's purpose (the VietQR's 62/08,
our invoice number) as free text, passed on changed; gate/domain/fees.py::find_invoice_numbers
finds the invoice number in it (gate/payments/receiving.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from gate.domain.errors import Unauthorised, ValidationFailed
from gate.domain.events import DomainEvent


class BadSignature(Unauthorised):
    """A notification whose signature does not verify with the provider's key (or has none,
    or is too old or too new to be fresh): not from the provider, or changed on the way.
    Nothing of it is recorded."""

    code = "bad-signature"
    title = "The notification's signature does not verify"


class MalformedNotification(ValidationFailed):
    """A notification, its signature verified, whose body is not the provider's format."""

    code = "malformed-notification"
    title = "The notification is not in the provider's format"


@dataclass(frozen=True, slots=True)
class ProviderNotification:
    """Money received, as a provider's verified notification says: ``provider`` (its name in
    the URL and in ``fee_payments.provider``), ``transaction_id`` (the provider's id of the
    transfer: a retried notification carries the same), ``amount_vnd`` (whole đồng, above 0),
    ``reference`` (the transfer's text as the payer's bank passed it on), ``paid_at`` (UTC,
    aware), ``payer_account`` (the payer's account number when the provider says it)."""

    provider: str
    transaction_id: str
    amount_vnd: int
    reference: str
    paid_at: datetime
    payer_account: str | None = None


# A provider's transaction id is kept in 80 characters (fee_payments.transaction_id): longer
# is no provider's id, and is refused rather than cut (two ids cut alike would be one).
MAX_TRANSACTION_ID = 80


@dataclass(frozen=True, kw_only=True)
class PayoutDue(DomainEvent):
    """Money is owed back (a ``fee_refunds`` row made due): a cancelled crossing's fee
    refunded by the rule, or money received that pays no crossing. Outboxed: the payout to
    the provider is its delivery (gate/payments/payouts.py). ``refund_id``: the row;
    ``amount_vnd``; the fee's gate, booking and enterprise when there is a fee (all None for
    money that named none). No payer's name or account."""

    name: ClassVar[str] = "refund.payout_due"
    refund_id: str
    amount_vnd: int
    gate_id: str | None = None
    booking_id: str | None = None
    enterprise_id: str | None = None

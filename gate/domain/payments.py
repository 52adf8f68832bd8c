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
from datetime import datetime, timedelta
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


# The largest transfer taken as one payment, VND: ten thousand billion dong, far above any
# month's statement of a gate (2,000 crossings a day at a few million each is some 200 billion
# a month), and far inside what the columns (64-bit) and the statistics' sums hold exactly.
# Above it a notification is refused (issue 19's tester sent 2**63 - 1 and stopped the
# statistics job; over 2**31 - 1 was a 500 on PostgreSQL).
MAX_PAYMENT_VND = 10_000_000_000_000
# How far from the platform's clock a provider's ``paid_at`` may be: a provider tells of a
# transfer within minutes, and retries a failed notification for at most days (payOS: up to
# a few days); 35 days back covers a month's statement paid late. A time outside is no
# transfer's: refused, since the statistics count the money on its day.
PAID_AT_AHEAD = timedelta(minutes=5)
PAID_AT_BEHIND = timedelta(days=35)


def paid_lately(paid_at: datetime, now: datetime) -> bool:
    """Whether ``paid_at`` is a time money received at ``now`` may have been paid: from
    PAID_AT_BEHIND before ``now`` to PAID_AT_AHEAD after it (a provider's notification, an
    administrator's recorded transfer alike)."""
    return now - PAID_AT_BEHIND <= paid_at <= now + PAID_AT_AHEAD


def check_notification(notice: ProviderNotification, now: datetime) -> ProviderNotification:
    """A verified notification held to the platform's bounds, whatever its provider:
    MalformedNotification (field named) for an amount not from 1 to MAX_PAYMENT_VND, a
    ``paid_at`` more than PAID_AT_AHEAD after ``now`` or PAID_AT_BEHIND before it, or a
    transaction id or reference holding a control character (PostgreSQL cannot store a NUL;
    no bank writes one)."""
    if not 1 <= notice.amount_vnd <= MAX_PAYMENT_VND:
        raise MalformedNotification(
            f"an amount from 1 to {MAX_PAYMENT_VND} VND", field="amount_vnd"
        )
    if not paid_lately(notice.paid_at, now):
        raise MalformedNotification(
            "paid_at is not a time a transfer was just made", field="paid_at"
        )
    for name, text in (("transaction_id", notice.transaction_id), ("reference", notice.reference)):
        if any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise MalformedNotification(f"{name} holds a control character", field=name)
    return notice


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

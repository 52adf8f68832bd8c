"""Payments received (tiền thu phí) through a payment provider: what a verified notification
says, and how its free text is matched to an invoice.

A provider (a bank's or an intermediary's API) tells the platform of a transfer received
into the gate's account by a signed notification; each provider's adapter
(``gate/payments/providers/``) checks the signature and reads its body into one
ProviderNotification. The payer's bank carries the transfer's purpose (the VietQR's 62/08,
our invoice number) as free text, which banks pass on changed: upper-cased, punctuation
dropped or turned to spaces, their own prefix (``MBVCB.1234.``) or suffix added, spaces
sometimes squeezed out. ``invoice_in`` finds the invoice number in it all the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from gate.domain.errors import Unauthorised, ValidationFailed


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


# Transfer texts are short (NAPAS passes at most 210 characters); anything longer is not a
# bank's text, and a bound keeps the search below linear in small numbers.
MAX_REFERENCE = 500


def invoice_in(text: str, invoice: re.Pattern[str]) -> str | None:
    """The invoice number in a transfer's ``text``, or None: the first whole word of the
    upper-cased text (words split at anything but letters and digits) that ``invoice``
    (an upper-case pattern of the whole number, e.g. fees' INVOICE_NUMBER) matches; failing
    that, the first match in the text with everything but letters and digits taken out (a
    bank that dropped the spaces or glued its own prefix to it)."""
    upper = text[:MAX_REFERENCE].upper()
    for word in re.split(r"[^0-9A-Z]+", upper):
        if word and invoice.fullmatch(word):
            return word
    squeezed = re.sub(r"[^0-9A-Z]+", "", upper)
    found = invoice.search(squeezed)
    return found.group(0) if found else None

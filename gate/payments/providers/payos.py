"""payOS (payos.vn, by casso): its webhook of a payment received.

Source: payOS's documentation, "Kiểm tra dữ liệu với signature"
(https://payos.vn/docs/tich-hop-webhook/kiem-tra-du-lieu-voi-signature/): the webhook's body
is JSON ``{"code", "desc", "success", "data": {...}, "signature"}``; ``signature`` is
HMAC-SHA256, in lower-case hex, keyed by the payment channel's checksum key, over ``data``'s
fields sorted by name and written ``name=value`` joined by ``&``, where a null is written as
the empty string and a list as its JSON (each element's keys sorted). ``data`` holds
``orderCode``, ``amount`` (VND), ``description`` (the transfer's text), ``accountNumber``
(ours), ``reference`` (the bank's id of the transfer), ``transactionDateTime``
(``YYYY-MM-DD HH:MM:SS``, Vietnam's time: UTC+7, no summer time), ``currency``,
``paymentLinkId``, ``code`` ("00": success), ``desc`` and the payer's ``counterAccount…``
fields. The documentation's own example (key, data and signature) is pinned by
tests/unit/test_payment_providers.py.

Decisions: the transaction id is the bank's ``reference`` (what a retried webhook repeats;
``orderCode`` names a payment link, which we do not use: the QR is our own VietQR); a webhook
whose ``code`` is not "00" reports no money received and is refused as malformed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from gate.domain.payments import (
    MAX_TRANSACTION_ID,
    BadSignature,
    MalformedNotification,
    ProviderNotification,
)

VIETNAM = timezone(timedelta(hours=7))


def _written(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"  # as JavaScript writes it (payOS's own SDK)
    if isinstance(value, list):
        items = [dict(sorted(v.items())) if isinstance(v, dict) else v for v in value]
        return json.dumps(items, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def signature(data: Mapping[str, Any], checksum_key: str) -> str:
    """payOS's signature of ``data`` with ``checksum_key`` (the module's docstring)."""
    text = "&".join(f"{name}={_written(data[name])}" for name in sorted(data))
    return hmac.new(checksum_key.encode(), text.encode(), hashlib.sha256).hexdigest()


class PayOS:
    """Verifies payOS's webhooks with the channel's ``checksum_key``."""

    name = "payos"

    def __init__(self, checksum_key: str) -> None:
        self._key = checksum_key

    def verify(
        self, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> ProviderNotification:
        """The payment ``body`` reports. BadSignature when ``signature`` is missing or does
        not match ``data``; MalformedNotification for a body not of payOS's shape or a
        webhook that reports no success. payOS signs no time, so ``now`` is not used: a
        replay lands on the transfer's own record (one per bank reference)."""
        try:
            message = json.loads(body)
        except (UnicodeDecodeError, ValueError) as error:
            raise MalformedNotification("the body is not JSON") from error
        data = message.get("data") if isinstance(message, dict) else None
        given = message.get("signature") if isinstance(message, dict) else None
        if not isinstance(data, dict) or not isinstance(given, str):
            raise BadSignature("a payOS webhook has a data object and its signature")
        if not hmac.compare_digest(signature(data, self._key), given.lower()):
            raise BadSignature("the signature does not match the data")
        return _notification(self.name, data)


def _notification(provider: str, data: dict[str, Any]) -> ProviderNotification:
    if data.get("code") != "00":
        raise MalformedNotification("the webhook reports no successful payment (code not 00)")
    amount, reference = data.get("amount"), data.get("reference")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise MalformedNotification("data.amount must be whole VND above 0")
    if not isinstance(reference, str) or not 1 <= len(reference) <= MAX_TRANSACTION_ID:
        raise MalformedNotification("data.reference must be the bank's transaction id")
    try:
        local = datetime.strptime(str(data.get("transactionDateTime")), "%Y-%m-%d %H:%M:%S")
        # Year 1 at UTC+7 is before what a datetime holds in UTC: OverflowError.
        paid_at = local.replace(tzinfo=VIETNAM).astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise MalformedNotification("data.transactionDateTime: YYYY-MM-DD HH:MM:SS") from error
    payer = data.get("counterAccountNumber")
    return ProviderNotification(
        provider=provider,
        transaction_id=reference,
        amount_vnd=amount,
        reference=str(data.get("description") or ""),
        paid_at=paid_at,
        payer_account=payer if isinstance(payer, str) and payer else None,
    )

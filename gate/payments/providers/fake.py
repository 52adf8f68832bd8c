"""The platform's own fake provider: what a provider does, without a bank. The tests'
provider (tests/payment_provider.py) and a demonstration send notifications in it.

The body is JSON: ``transaction_id`` (string, 1 to 80), ``amount_vnd`` (whole đồng above
0), ``reference`` (the transfer's text), ``paid_at`` (ISO 8601 with its offset),
``payer_account`` (optional). It is signed by Standard Webhooks
(https://www.standardwebhooks.com: ``webhook-id``, ``webhook-timestamp``,
``webhook-signature`` headers; HMAC-SHA256 over ``id.timestamp.body``) with the secret of
GATE_PAYMENT_FAKE_SECRET (``whsec_`` and base64), signed by the specification's own library.
A signature is fresh for five minutes either side of ``now``, the specification's tolerance.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import msgspec
from standardwebhooks import Webhook

from gate.domain.payments import (
    MAX_TRANSACTION_ID,
    BadSignature,
    MalformedNotification,
    ProviderNotification,
)

TOLERANCE = timedelta(minutes=5)


class FakeBody(msgspec.Struct, forbid_unknown_fields=True):
    """The fake provider's notification body (the module's docstring)."""

    transaction_id: str
    amount_vnd: int
    reference: str
    paid_at: datetime
    payer_account: str | None = None


class FakeProvider:
    """Verifies the fake provider's notifications with ``secret`` (``whsec_…``)."""

    name = "fake"

    def __init__(self, secret: str) -> None:
        self._webhook = Webhook(secret)

    def verify(
        self, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> ProviderNotification:
        """The notification ``body`` says; BadSignature (missing headers, a time outside
        TOLERANCE of ``now``, no ``v1`` signature that matches), MalformedNotification."""
        message_id = headers.get("webhook-id", "")
        stamp = headers.get("webhook-timestamp", "")
        signatures = headers.get("webhook-signature", "")
        if not (message_id and stamp.isascii() and stamp.isdigit() and signatures):
            raise BadSignature("the webhook-id, -timestamp and -signature headers are needed")
        # Compared as seconds first: a timestamp past year 9999 overflows a datetime (a 500
        # before any signature was checked, found by issue 19's tester).
        if abs(int(stamp) - now.timestamp()) > TOLERANCE.total_seconds():
            raise BadSignature("the webhook-timestamp is more than 5 minutes from now")
        signed_at = datetime.fromtimestamp(int(stamp), UTC)
        if abs(signed_at - now) > TOLERANCE:
            raise BadSignature("the webhook-timestamp is more than 5 minutes from now")
        try:
            text = body.decode()
        except UnicodeDecodeError as error:
            raise BadSignature("the body is not UTF-8") from error
        expected = self._webhook.sign(message_id, signed_at, text).partition(",")[2]
        if not any(_same(expected, given) for given in signatures.split()):
            raise BadSignature("no signature matches the body")
        try:
            found = msgspec.json.decode(body, type=FakeBody)
        except msgspec.ValidationError as error:
            raise MalformedNotification(f"the body: {error}") from error
        except msgspec.DecodeError as error:
            raise MalformedNotification("the body is not JSON") from error
        if not 1 <= len(found.transaction_id) <= MAX_TRANSACTION_ID or found.amount_vnd <= 0:
            raise MalformedNotification("a transaction_id of 1 to 80 and an amount above 0")
        if found.paid_at.tzinfo is None:
            raise MalformedNotification("paid_at needs its offset")
        return ProviderNotification(
            provider=self.name,
            transaction_id=found.transaction_id,
            amount_vnd=found.amount_vnd,
            reference=found.reference,
            paid_at=found.paid_at.astimezone(UTC),
            payer_account=found.payer_account,
        )


def _same(expected: str, given: str) -> bool:
    version, _, signature = given.partition(",")
    if version != "v1":
        return False
    try:
        return hmac.compare_digest(base64.b64decode(expected), base64.b64decode(signature))
    except (binascii.Error, ValueError):
        return False

"""A payment provider for the tests, as a real one behaves: it signs each notification of
money received (Standard Webhooks, the fake provider's format: gate/payments/providers/
fake.py) and POSTs it to the platform over real HTTP, again and again with the same
transaction id and message id until it is answered 2xx, re-signing each attempt with the
time it is sent."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

SECRET = "whsec_" + "dGhlLXRlc3RzLWZha2UtcGF5bWVudC1wcm92aWRlcg"


@dataclass(frozen=True)
class Transfer:
    """One transfer received, as the provider reports it."""

    amount_vnd: int
    reference: str
    transaction_id: str = field(default_factory=lambda: "FT" + uuid.uuid4().hex[:12].upper())
    paid_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    payer_account: str | None = "19031234567"

    def body(self) -> str:
        return json.dumps(
            {
                "transaction_id": self.transaction_id,
                "amount_vnd": self.amount_vnd,
                "reference": self.reference,
                "paid_at": self.paid_at.isoformat(),
                "payer_account": self.payer_account,
            }
        )


class PaymentProvider:
    """Sends ``Transfer``s to ``base_url``'s notification route for the ``fake`` provider,
    signed with ``secret``."""

    def __init__(self, base_url: str, secret: str = SECRET) -> None:
        self.url = f"{base_url}/api/v1/payments/providers/fake/notifications"
        self._webhook = Webhook(secret)

    def signed(self, message_id: str, body: str) -> dict[str, str]:
        now = datetime.now(UTC)
        return {
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self._webhook.sign(message_id, now, body),
            "content-type": "application/json",
        }

    async def send(self, transfer: Transfer, message_id: str | None = None) -> httpx.Response:
        """One attempt: the notification of ``transfer``, signed now."""
        body = transfer.body()
        headers = self.signed(message_id or "msg_" + transfer.transaction_id, body)
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.post(self.url, content=body, headers=headers)

    async def deliver(self, transfer: Transfer, attempts: int = 5) -> list[httpx.Response]:
        """Attempts until one is answered 2xx (at most ``attempts``), as a provider retries
        a notification it does not know was received; every answer, in order."""
        answers: list[httpx.Response] = []
        for _ in range(attempts):
            try:
                answer = await self.send(transfer)
            except httpx.TransportError:
                continue
            answers.append(answer)
            if answer.is_success:
                break
        return answers

"""The ``webhook`` channel's sender: a POST of the Standard Webhooks body, signed by the
specification's own library (``standardwebhooks``), through httpx: connect within 5 s,
answered within 15 s in all, redirects not followed, the answer's body never read. 2xx:
delivered; 410 Gone: given up at once (the endpoint is then disabled); anything else, or no
answer: tried again."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

import httpx
from standardwebhooks import Webhook

from gate.domain.errors import ValidationFailed
from gate.domain.time import utc_now
from gate.domain.webhooks import endpoint_url, is_public_address
from gate.outbox.protocols import Outcome
from gate.store.tables import Delivery, WebhookEndpoint
from gate.store.unit_of_work import UnitOfWork
from gate.webhooks.endpoints import rotated_secrets

CONNECT_TIMEOUT_S = 5.0
TOTAL_TIMEOUT_S = 15.0


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets that sign now: the endpoint's, and each one a rotation replaced while its
    own grace lasts."""
    return [endpoint.secret, *(secret for secret, _ in rotated_secrets(endpoint, now))]


def signed_headers(delivery_id: str, body: str, keys: list[str], now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers: the id, the time (Unix seconds) and one ``v1,…``
    signature per secret, space-separated."""
    signatures = " ".join(Webhook(key).sign(delivery_id, now, body) for key in keys)
    return {
        "webhook-id": delivery_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": "gate-webhooks/1",
    }


class WebhookSender:
    """Reads the endpoint through ``new_uow`` (read-only) at each attempt: a rotated secret
    or a changed URL applies to the next attempt. ``allow_private``: GATE_WEBHOOK_ALLOW_PRIVATE."""

    def __init__(self, new_uow: Callable[[], UnitOfWork], *, allow_private: bool) -> None:
        self._new_uow = new_uow
        self.allow_private = allow_private

    async def send(self, delivery: Delivery) -> Outcome:
        now = utc_now()
        async with self._new_uow() as uow:
            endpoint = (
                await uow.session.get(WebhookEndpoint, delivery.endpoint_id)
                if delivery.endpoint_id
                else None
            )
            # Read before the read-only transaction ends (its rollback expires the row).
            found = endpoint is not None and endpoint.enabled
            url = endpoint.url if endpoint is not None else ""
            keys = signing_secrets(endpoint, now) if endpoint is not None else []
        if not found:
            return Outcome.permanent(None, "the endpoint is disabled or deleted")
        refusal = await self._refusal(url)
        if refusal is not None:
            return Outcome.retry(None, refusal)
        body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)
        headers = signed_headers(delivery.id, body, keys, now)
        timeout = httpx.Timeout(TOTAL_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
        try:
            # Streamed and never read: the status decides, and a receiver's body (huge, or
            # without end) neither fills the memory nor holds the attempt.
            async with (
                asyncio.timeout(TOTAL_TIMEOUT_S),
                httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client,
                client.stream("POST", url, content=body.encode(), headers=headers) as response,
            ):
                status = response.status_code
        except (httpx.HTTPError, TimeoutError, OSError) as error:
            return Outcome.retry(None, f"no answer: {type(error).__name__}")
        if 200 <= status < 300:
            return Outcome.delivered(status)
        if status == 410:
            return Outcome.permanent(status, "410 Gone: the receiver wants no more")
        return Outcome.retry(status, f"answered {status}")

    async def _refusal(self, url: str) -> str | None:
        """Why ``url`` may not be sent to now: the endpoint rules, and every address its host
        resolves to public unless private ones are allowed (a name that resolved to a public
        address when made may not point inside later)."""
        try:
            endpoint_url(url, allow_private=self.allow_private)
        except ValidationFailed as error:
            return f"refused: {error.detail}"
        if self.allow_private:
            return None
        parts = urlsplit(url)
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                parts.hostname, parts.port or 443, type=socket.SOCK_STREAM
            )
        except OSError as error:
            return f"the host did not resolve: {type(error).__name__}"
        if not all(is_public_address(str(info[4][0])) for info in found):
            return "refused: the host resolves to a private address"
        return None

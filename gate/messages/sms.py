"""Messages by SMS, through a provider's HTTP API: one JSON POST per message,

    POST GATE_SMS_URL
    Authorization: Bearer GATE_SMS_TOKEN
    {"id": "msg_…", "to": "84912345678", "text": "…", "sender": GATE_SMS_SENDER or null}

``id`` is the delivery's stable id: a provider (or the relay in front of it) that keeps it
drops a message sent twice after a crash. A 2xx answer is sent; 408 and 429 and any 5xx, a
timeout or a failed connection are tried again on the outbox's schedule; any other 4xx (a
number the provider refuses, a token it does not know) gives up.

**A Vietnamese provider** (eSMS, SpeedSMS, VNPT, Viettel's brand-name SMS) takes its own
body and credentials (an API key and secret in the body, basic auth, a brand name approved
per carrier); a short relay beside the platform maps this body onto it: ``to`` to the
provider's phone field (they take ``84…`` or ``0…``), ``text`` to the content, ``sender`` to
the brand name, ``id`` to the provider's request id where it has one; the provider's own
"accepted" code becomes a 2xx, its "invalid number" or "not registered" a 4xx, its
"busy"/"system error" a 5xx. Brand-name SMS to Vietnamese numbers carries Vietnamese in
UCS-2: the texts are kept to two segments (gate/messages/texts.py).
"""

from __future__ import annotations

import httpx

from gate.config import Settings
from gate.domain.messages import international_phone
from gate.outbox.protocols import Outcome
from gate.store.tables import Delivery

# Answers worth another try though they are 4xx: the request timed out, or too many.
RETRY_4XX = frozenset({408, 429})


def outcome_of_status(status: int) -> Outcome:
    """How an HTTP answer from a provider ends an attempt (module docstring)."""
    if 200 <= status < 300:
        return Outcome.delivered(status)
    if status in RETRY_4XX or status >= 500:
        return Outcome.retry(status, f"HTTP {status}")
    return Outcome.permanent(status, f"HTTP {status}")


async def post_json(
    url: str, body: dict[str, object], headers: dict[str, str], seconds: float
) -> Outcome | httpx.Response:
    """POST ``body``; the answer, or a retry Outcome for a timeout or a failed connection
    (named by kind only: an exception's text may hold the URL and its token)."""
    try:
        async with httpx.AsyncClient(timeout=seconds) as client:
            return await client.post(url, json=body, headers=headers)
    except httpx.TimeoutException:
        return Outcome.retry(None, "timeout")
    except httpx.HTTPError as error:
        return Outcome.retry(None, f"network: {type(error).__name__}")


class SmsSender:
    """Sends message deliveries of the ``sms`` channel (module docstring)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, delivery: Delivery) -> Outcome:
        """One attempt: the POST, its answer read as ``outcome_of_status`` says."""
        s = self.settings
        if not s.sms_url or not s.sms_token:
            return Outcome.permanent(None, "SMS is not configured on this platform")
        answer = await post_json(
            s.sms_url,
            {
                "id": delivery.id,
                "to": international_phone(delivery.payload["to"]),
                "text": delivery.payload["text"],
                "sender": s.sms_sender,
            },
            {"Authorization": f"Bearer {s.sms_token}"},
            s.message_timeout_s,
        )
        if isinstance(answer, Outcome):
            return answer
        return outcome_of_status(answer.status_code)

"""Messages by Zalo, through ZNS (Zalo Notification Service): a template message approved
beforehand by Zalo, sent to a phone number that has a Zalo account,

    POST GATE_ZALO_URL                     (https://business.openapi.zalo.me/message/template)
    access_token: GATE_ZALO_ACCESS_TOKEN
    {"phone": "84912345678", "template_id": "…", "template_data": {…}, "tracking_id": "msg_…"}

``tracking_id`` is the delivery's stable id. ZNS answers HTTP 200 with ``{"error": 0, ...}``
when it took the message and with another ``error`` code when it did not (no Zalo account,
a template not approved, a quota used up): those are given up with the code in the delivery
log, since sending the same again gets the same answer, except -100 ("unknown error, try
again later"), tried again, as is an answer without a code. HTTP 5xx, 408, 429, a timeout
or a failed connection are tried again; another 4xx gives up. The access token lives about
a day: the operator (or a job beside the platform) refreshes it and restarts with the new
one.

Templates (``GATE_ZALO_TEMPLATE_*``): a driver's dispatch order, lane call and exit each
have their own, with the parameters of their text (gate/messages/texts.py); every message to
an enterprise user goes through one "notice" template with ``subject`` and ``text``. A
message whose template is not configured is not made on Zalo.
"""

from __future__ import annotations

import httpx

from gate.config import Settings
from gate.domain.messages import international_phone
from gate.messages.sms import outcome_of_status, post_json
from gate.outbox.protocols import Outcome
from gate.store.tables import Delivery

# ZNS's codes worth another try (zalo.cloud/zns/guidelines/handle-error-code): -100, an
# unknown error, "try again later". The others name a fault that sending the same again
# meets again (no Zalo account, a template not approved, the balance used up).
ZNS_RETRY = frozenset({-100})


def template_of(settings: Settings, kind: str) -> str | None:
    """The ZNS template id of the message ``kind`` (a key of TEXTS), None when not set."""
    return {
        "driver.dispatch": settings.zalo_template_dispatch,
        "driver.called": settings.zalo_template_called,
        "driver.exited": settings.zalo_template_exited,
    }.get(kind, settings.zalo_template_notice)


class ZaloSender:
    """Sends message deliveries of the ``zalo`` channel (module docstring). The payload
    carries ``to``, ``template`` (the template id, chosen at expansion) and ``data``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, delivery: Delivery) -> Outcome:
        """One attempt: the POST; HTTP 200 read by its ``error`` code (module docstring)."""
        s = self.settings
        if not s.zalo_access_token:
            return Outcome.permanent(None, "Zalo is not configured on this platform")
        payload = delivery.payload
        answer = await post_json(
            s.zalo_url,
            {
                "phone": international_phone(payload["to"]),
                "template_id": payload["template"],
                "template_data": payload["data"],
                "tracking_id": delivery.id,
            },
            {"access_token": s.zalo_access_token},
            s.message_timeout_s,
        )
        if isinstance(answer, Outcome):
            return answer
        if not 200 <= answer.status_code < 300:
            return outcome_of_status(answer.status_code)
        return outcome_of_zns(answer)


def outcome_of_zns(answer: httpx.Response) -> Outcome:
    """How a 2xx answer of ZNS ends an attempt: by its ``error`` code, never by the HTTP
    status alone (ZNS refuses with HTTP 200). 0 is delivered; a code in ``ZNS_RETRY`` is
    tried again; any other gives up, the code in the delivery log. An answer without a code
    is tried again: nothing says ZNS took the message."""
    try:
        body = answer.json()
    except ValueError:
        body = None
    code = body.get("error") if isinstance(body, dict) else None
    if not isinstance(code, int) or isinstance(code, bool):
        return Outcome.retry(answer.status_code, "zalo: an answer without an error code")
    if code == 0:
        return Outcome.delivered(answer.status_code)
    said = f"zalo error {code}"
    if code in ZNS_RETRY:
        return Outcome.retry(answer.status_code, said)
    return Outcome.permanent(answer.status_code, said)

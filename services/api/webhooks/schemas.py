"""The webhooks API's types: endpoints (their secret only in the answers that make one),
the delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from gate.domain.time import utc_now
from gate.store.tables import DeliveryAttempt, WebhookEndpoint
from gate.webhooks.endpoints import grace_ends
from gate.webhooks.log import LoggedDelivery
from services.common.schemas import Input, Output, ShortText, local, local_or_none

Url = Annotated[str, msgspec.Meta(min_length=8, max_length=2000)]
EventTypes = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=60)]], msgspec.Meta(max_length=20)
]


class EndpointCreate(Input):
    """``url``: https (a public host); ``event_types``: the public webhook types wanted
    (``booking.created``, ``truck.called``, …; ``GET /api/v1/webhooks/event-types``)."""

    url: Url
    event_types: EventTypes
    description: ShortText | None = None


class EndpointChange(Input):
    """What to change; an absent field stays. ``enabled`` false cancels what is pending."""

    url: Url | None = None
    event_types: EventTypes | None = None
    description: ShortText | None = None
    enabled: bool | None = None


class EndpointView(Output):
    id: str
    url: str
    event_types: list[str]
    description: str | None
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    created_at: datetime
    # Until when a secret a rotation replaced still signs beside the new one (each one
    # rotated out signs until its own grace ends: this is the latest end).
    previous_secret_until: datetime | None

    @classmethod
    def of(cls, row: WebhookEndpoint) -> EndpointView:
        return cls(
            row.id,
            row.url,
            list(row.event_types),
            row.description,
            row.enabled,
            local_or_none(row.disabled_at),
            row.disabled_reason,
            local(row.created_at),
            local_or_none(grace_ends(row, utc_now())),
        )


class EndpointWithSecret(EndpointView):
    """The signing secret (``whsec_…``, Standard Webhooks) is in this answer and never again."""

    secret: str = ""

    @classmethod
    def with_secret(cls, row: WebhookEndpoint) -> EndpointWithSecret:
        view = EndpointView.of(row)
        return cls(**{f: getattr(view, f) for f in view.__struct_fields__}, secret=row.secret)


class AttemptView(Output):
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int

    @classmethod
    def of(cls, row: DeliveryAttempt) -> AttemptView:
        return cls(local(row.at), row.status_code, row.error, row.duration_ms)


class DeliveryView(Output):
    """One delivery (its ``id`` is the ``webhook-id`` header) and its attempts. A pending one
    is attempted at ``next_attempt_at``, or, when ``waiting_for`` names an earlier delivery
    of the same booking, after that one is delivered or given up (a booking's webhooks
    arrive in order): its due time may then be past. ``delivered_at``: when it was
    delivered, only while it is."""

    id: str
    type: str
    status: str
    attempts: list[AttemptView]
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    waiting_for: str | None

    @classmethod
    def of(cls, logged: LoggedDelivery) -> DeliveryView:
        row = logged.delivery
        return cls(
            row.id,
            str(row.payload.get("type", "")),
            row.status,
            [AttemptView.of(a) for a in logged.attempts],
            local(row.next_attempt_at) if row.status == "pending" else None,
            local(row.created_at),
            local_or_none(row.delivered_at) if row.status == "delivered" else None,
            logged.waiting_for,
        )


class EventTypeList(Output):
    event_types: list[str]

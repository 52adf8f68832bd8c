"""The outbox (docs/architecture.md, "The outbox"): events written in the transaction that
records them, the deliveries they expand to (a webhook to an endpoint, a message to a
person), each attempt of those, and the enterprises' webhook endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gate.domain.time import utc_now
from gate.store.tables.base import Base, CreatedMixin, IdMixin

# BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the rowid and autoincrements.
Sequence64 = BigInteger().with_variant(Integer(), "sqlite")


class OutboxEvent(Base):
    """One outboxed domain event (gate/domain/outbox.py, OUTBOXED), written by the unit of
    work's commit. ``seq`` is the order of commits per booking (a booking's changes lock its
    row, so the later change's row is inserted after the earlier one committed);
    ``expanded_at`` NULL: not yet turned into deliveries (set with ``expand_error`` too when
    the event was set aside). ``lease_*``: the dispatcher that is expanding it, until when."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_expanded_seq", "expanded_at", "seq"),)

    seq: Mapped[int] = mapped_column(Sequence64, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    occurred_at: Mapped[datetime]
    enterprise_id: Mapped[str | None] = mapped_column(String(36))
    booking_id: Mapped[str | None] = mapped_column(String(36))
    gate_id: Mapped[str | None] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    expanded_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(60))
    lease_until: Mapped[datetime | None]
    # Failed expansions, and the last one's error (class names only); after EXPAND_TRIES the
    # event is set aside: expanded with its error (gate/outbox/poison.py, migration 0012).
    expand_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    expand_error: Mapped[str | None] = mapped_column(String(300))


class WebhookEndpoint(IdMixin, CreatedMixin, Base):
    """Where an enterprise wants its events (Standard Webhooks). ``secret`` (whsec_…) must be
    kept to sign: it is shown once, when made or rotated, and never returned or logged
    again. ``rotated_secrets``: the secrets rotations replaced, each signing beside it until
    its own grace ends (``[{"secret", "until"}]``, ``until`` in ISO 8601, UTC; at most
    gate/domain/webhooks.py's MAX_ROTATED_SECRETS), so receivers can switch over."""

    __tablename__ = "webhook_endpoints"

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(300))
    # The public webhook types (gate/domain/outbox.py WEBHOOK_EVENT_TYPES) it receives.
    event_types: Mapped[list[str]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    secret: Mapped[str] = mapped_column(String(100))
    rotated_secrets: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class Delivery(Base):
    """One thing to send: a webhook to an endpoint, or a message to a person on a channel.
    ``id`` is stable (the webhook-id, the message id receivers drop duplicates by).
    Deliveries with the same target (channel and endpoint, or channel and recipient) and the
    same ``ordering_key`` are attempted in ``event_seq`` order."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_status_due", "status", "next_attempt_at"),
        Index("ix_deliveries_ordering", "ordering_key", "event_seq"),
        Index("ix_deliveries_endpoint_created", "endpoint_id", "created_at"),
        # A person's messages on a channel, counted by the rate limit (migration 0011).
        Index("ix_deliveries_recipient", "recipient_kind", "recipient_id", "channel"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_seq: Mapped[int] = mapped_column(Sequence64, ForeignKey("outbox_events.seq"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # webhook | email | sms | zalo
    endpoint_id: Mapped[str | None] = mapped_column(ForeignKey("webhook_endpoints.id"))
    recipient_kind: Mapped[str | None] = mapped_column(String(12))  # driver | user | enterprise
    recipient_id: Mapped[str | None] = mapped_column(String(36))
    ordering_key: Mapped[str] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(5))
    # Webhook: the Standard Webhooks body {"type", "timestamp", "data"}; message: {"subject",
    # "text"} rendered in the person's language.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12))  # pending | delivered | failed | cancelled
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(60))
    lease_until: Mapped[datetime | None]
    last_status: Mapped[int | None]
    # No secret and no personal data: a status line or the kind of network error.
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    delivered_at: Mapped[datetime | None]


class DeliveryAttempt(Base):
    """One attempt of a delivery: when, the answer's status (None: no answer), the error
    (as ``Delivery.last_error``), how long it took."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Sequence64, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("deliveries.id"), index=True)
    at: Mapped[datetime]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(300))
    duration_ms: Mapped[int]

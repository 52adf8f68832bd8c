"""An enterprise's webhook endpoints: make one (its secret answered once), change, rotate
the secret, disable, enable, delete. Use cases: flush, never commit."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update

from gate.domain.errors import NotFound, ValidationFailed
from gate.domain.outbox import WEBHOOK_EVENT_TYPES
from gate.domain.time import utc_now
from gate.domain.webhooks import after_rotation, endpoint_url, secrets_in_grace
from gate.outbox.claims import CANCELLED, PENDING
from gate.store.tables import Delivery, DeliveryAttempt, WebhookEndpoint
from gate.store.unit_of_work import UnitOfWork


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64 (24 to 64 bytes
    is what the specification asks)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def event_types(types: Sequence[str]) -> list[str]:
    """The public webhook types asked for, each once, in the platform's order; ValidationFailed
    naming an unknown one, or for none."""
    unknown = sorted(set(types) - set(WEBHOOK_EVENT_TYPES))
    if unknown:
        raise ValidationFailed(
            f"unknown event types {', '.join(unknown)}; known: {', '.join(WEBHOOK_EVENT_TYPES)}",
            field="event_types",
            why="event-types",
        )
    if not types:
        raise ValidationFailed("at least one event type", field="event_types", why="event-types")
    return [each for each in WEBHOOK_EVENT_TYPES if each in types]


@dataclass(frozen=True)
class EndpointChange:
    """What an update changes; None leaves a field as it is."""

    url: str | None = None
    event_types: Sequence[str] | None = None
    description: str | None = None
    enabled: bool | None = None


async def create_endpoint(
    uow: UnitOfWork,
    enterprise_id: str,
    url: str,
    types: Sequence[str],
    description: str | None,
    *,
    allow_private: bool,
) -> WebhookEndpoint:
    """A new enabled endpoint of ``enterprise_id``; its ``secret`` is for this answer only.
    ValidationFailed for a URL the rules refuse (gate/domain/webhooks.py) or unknown types."""
    now = utc_now()
    endpoint = WebhookEndpoint(
        enterprise_id=enterprise_id,
        url=endpoint_url(url, allow_private=allow_private),
        event_types=event_types(types),
        description=description,
        enabled=True,
        secret=new_secret(),
        rotated_secrets=[],
        created_at=now,
        updated_at=now,
    )
    uow.session.add(endpoint)
    await uow.session.flush()
    return endpoint


async def list_endpoints(uow: UnitOfWork, enterprise_id: str) -> list[WebhookEndpoint]:
    rows = await uow.session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.enterprise_id == enterprise_id)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return list(rows.all())


async def get_endpoint(uow: UnitOfWork, enterprise_id: str, endpoint_id: str) -> WebhookEndpoint:
    """The enterprise's endpoint ``endpoint_id``; NotFound (also for another's: its
    existence is not told)."""
    endpoint = await uow.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.enterprise_id != enterprise_id:
        raise NotFound("no such webhook endpoint", why="webhook-not-found")
    return endpoint


async def change_endpoint(
    uow: UnitOfWork,
    enterprise_id: str,
    endpoint_id: str,
    change: EndpointChange,
    *,
    allow_private: bool,
) -> WebhookEndpoint:
    """Apply ``change``. Enabling clears the reason it was disabled for; disabling cancels
    its pending deliveries (as the platform's disabling does): a disabled endpoint is sent
    nothing, and the delivery log's "send again" brings one back."""
    endpoint = await get_endpoint(uow, enterprise_id, endpoint_id)
    if change.url is not None:
        endpoint.url = endpoint_url(change.url, allow_private=allow_private)
    if change.event_types is not None:
        endpoint.event_types = event_types(change.event_types)
    if change.description is not None:
        endpoint.description = change.description
    if change.enabled is not None and change.enabled != endpoint.enabled:
        endpoint.enabled = change.enabled
        endpoint.disabled_at = None if change.enabled else utc_now()
        endpoint.disabled_reason = None if change.enabled else "disabled by the enterprise"
        if not change.enabled:
            await cancel_pending(uow, endpoint.id)
    endpoint.updated_at = utc_now()
    await uow.session.flush()
    return endpoint


def rotated_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[tuple[str, datetime]]:
    """The secrets rotations replaced that still sign at ``now``, each with the end of its
    grace, oldest first (stored as ``[{"secret", "until"}]``)."""
    stored = [
        (each["secret"], datetime.fromisoformat(each["until"]))
        for each in endpoint.rotated_secrets or []
    ]
    return secrets_in_grace(stored, now)


def grace_ends(endpoint: WebhookEndpoint, now: datetime) -> datetime | None:
    """Until when a secret a rotation replaced still signs (the latest grace's end); None
    when none does."""
    ends = [until for _, until in rotated_secrets(endpoint, now)]
    return max(ends) if ends else None


async def rotate_secret(uow: UnitOfWork, enterprise_id: str, endpoint_id: str) -> WebhookEndpoint:
    """A new secret, answered once; the one it replaces signs beside it for ROTATION_GRACE,
    and so does each one rotated out before whose grace lasts (gate/domain/webhooks.py's
    after_rotation: a delivery then carries a signature per secret)."""
    endpoint = await get_endpoint(uow, enterprise_id, endpoint_id)
    now = utc_now()
    kept = after_rotation(rotated_secrets(endpoint, now), endpoint.secret, now)
    # A new list, not the old one changed in place: the JSON column sees the assignment.
    endpoint.rotated_secrets = [
        {"secret": secret, "until": until.isoformat()} for secret, until in kept
    ]
    endpoint.secret = new_secret()
    endpoint.updated_at = now
    await uow.session.flush()
    return endpoint


async def delete_endpoint(uow: UnitOfWork, enterprise_id: str, endpoint_id: str) -> None:
    """The endpoint and its delivery log go; nothing more is sent to it."""
    endpoint = await get_endpoint(uow, enterprise_id, endpoint_id)
    ids = select(Delivery.id).where(Delivery.endpoint_id == endpoint.id)
    await uow.session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(ids)))
    await uow.session.execute(delete(Delivery).where(Delivery.endpoint_id == endpoint.id))
    await uow.session.delete(endpoint)
    await uow.session.flush()


async def cancel_pending(uow: UnitOfWork, endpoint_id: str) -> None:
    """Cancel the endpoint's pending deliveries (it was disabled for failing)."""
    await uow.session.execute(
        update(Delivery)
        .where(Delivery.endpoint_id == endpoint_id, Delivery.status == PENDING)
        .values(status=CANCELLED, lease_owner=None, lease_until=None)
    )

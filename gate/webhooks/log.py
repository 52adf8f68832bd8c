"""The delivery log of an endpoint: each delivery with each attempt; "send again"."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from gate.domain.errors import Conflict, NotFound
from gate.domain.time import utc_now
from gate.outbox.claims import PENDING
from gate.store.tables import Delivery, DeliveryAttempt, WebhookEndpoint
from gate.store.unit_of_work import UnitOfWork
from gate.webhooks.endpoints import get_endpoint

LOG_LENGTH = 100


async def delivery_log(
    uow: UnitOfWork, enterprise_id: str, endpoint_id: str
) -> list[tuple[Delivery, list[DeliveryAttempt]]]:
    """The endpoint's last LOG_LENGTH deliveries, newest first, each with its attempts in
    order. NotFound for another enterprise's endpoint."""
    await get_endpoint(uow, enterprise_id, endpoint_id)
    deliveries = (
        await uow.session.scalars(
            select(Delivery)
            .where(Delivery.endpoint_id == endpoint_id)
            .order_by(Delivery.created_at.desc(), Delivery.event_seq.desc())
            .limit(LOG_LENGTH)
        )
    ).all()
    attempts: dict[str, list[DeliveryAttempt]] = defaultdict(list)
    if deliveries:
        rows = await uow.session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id.in_([d.id for d in deliveries]))
            .order_by(DeliveryAttempt.id)
        )
        for row in rows:
            attempts[row.delivery_id].append(row)
    return [(delivery, attempts[delivery.id]) for delivery in deliveries]


async def send_again(uow: UnitOfWork, enterprise_id: str, delivery_id: str) -> Delivery:
    """One more attempt of the same delivery (same id, so a receiver that had it drops it),
    due now. Idempotent: a delivery pending already is left as it is. NotFound for another
    enterprise's; Conflict while its endpoint is disabled (enable it first)."""
    delivery = await uow.session.get(Delivery, delivery_id)
    endpoint = (
        await uow.session.get(WebhookEndpoint, delivery.endpoint_id)
        if delivery is not None and delivery.endpoint_id
        else None
    )
    if delivery is None or endpoint is None or endpoint.enterprise_id != enterprise_id:
        raise NotFound("no such delivery")
    if not endpoint.enabled:
        raise Conflict("the endpoint is disabled: enable it before sending again")
    if delivery.status != PENDING:
        delivery.status = PENDING
        delivery.next_attempt_at = utc_now()
        delivery.lease_owner = None
        delivery.lease_until = None
        await uow.session.flush()
    return delivery

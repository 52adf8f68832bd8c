"""The delivery log of an endpoint: each delivery with each attempt and, for one held behind
an earlier delivery of the same booking, which; "send again"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from gate.domain.errors import Conflict, NotFound
from gate.domain.time import utc_now
from gate.outbox.claims import PENDING
from gate.store.tables import Delivery, DeliveryAttempt, WebhookEndpoint
from gate.store.unit_of_work import UnitOfWork
from gate.webhooks.endpoints import get_endpoint

LOG_LENGTH = 100


@dataclass
class LoggedDelivery:
    """A delivery as the log shows it: its attempts in order and, while it is pending behind
    an earlier pending delivery of the same endpoint and booking (the outbox sends a
    booking's webhooks in order), that delivery's id in ``waiting_for``: its due time may be
    past, it is not overdue."""

    delivery: Delivery
    attempts: list[DeliveryAttempt] = field(default_factory=list)
    waiting_for: str | None = None


async def delivery_log(
    uow: UnitOfWork, enterprise_id: str, endpoint_id: str
) -> list[LoggedDelivery]:
    """The endpoint's last LOG_LENGTH deliveries, newest first. NotFound for another
    enterprise's endpoint."""
    await get_endpoint(uow, enterprise_id, endpoint_id)
    deliveries = (
        await uow.session.scalars(
            select(Delivery)
            .where(Delivery.endpoint_id == endpoint_id)
            .order_by(Delivery.created_at.desc(), Delivery.event_seq.desc())
            .limit(LOG_LENGTH)
        )
    ).all()
    return await _logged(uow, endpoint_id, deliveries)


async def _logged(
    uow: UnitOfWork, endpoint_id: str, deliveries: Sequence[Delivery]
) -> list[LoggedDelivery]:
    """``deliveries`` (all of ``endpoint_id``) with their attempts and what each waits for:
    two queries whatever their number."""
    if not deliveries:
        return []
    attempts: dict[str, list[DeliveryAttempt]] = defaultdict(list)
    rows = await uow.session.scalars(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.delivery_id.in_([d.id for d in deliveries]))
        .order_by(DeliveryAttempt.id)
    )
    for row in rows:
        attempts[row.delivery_id].append(row)
    waiting = await _waiting_for(uow, endpoint_id, deliveries)
    return [LoggedDelivery(d, attempts[d.id], waiting.get(d.id)) for d in deliveries]


async def _waiting_for(
    uow: UnitOfWork, endpoint_id: str, deliveries: Sequence[Delivery]
) -> dict[str, str]:
    """For each pending delivery held behind an earlier pending one of the same endpoint and
    ordering key (gate/outbox/claims.py claims only the first), the first of those: the one
    the outbox attempts before it."""
    keys = {d.ordering_key for d in deliveries if d.status == PENDING}
    if not keys:
        return {}
    pending = (
        await uow.session.execute(
            select(Delivery.id, Delivery.ordering_key, Delivery.event_seq)
            .where(
                Delivery.endpoint_id == endpoint_id,
                Delivery.status == PENDING,
                Delivery.ordering_key.in_(keys),
            )
            .order_by(Delivery.event_seq)
        )
    ).all()
    first: dict[str, tuple[str, int]] = {}
    for each in pending:
        first.setdefault(each.ordering_key, (each.id, each.event_seq))
    held = {}
    for delivery in deliveries:
        earliest = first.get(delivery.ordering_key)
        if delivery.status == PENDING and earliest and earliest[1] < delivery.event_seq:
            held[delivery.id] = earliest[0]
    return held


async def send_again(uow: UnitOfWork, enterprise_id: str, delivery_id: str) -> LoggedDelivery:
    """One more attempt of the same delivery (same id, so a receiver that had it drops it),
    due now: a delivered, failed or cancelled one is pending again (its ``delivered_at``
    cleared until it is delivered again); a pending one waiting for its next retry is due
    at once (idempotent: sending it again twice is one attempt). Answered as the log shows
    it: one held behind an earlier delivery of the same booking still waits for that one
    (``waiting_for``). NotFound for another enterprise's; Conflict while its endpoint is
    disabled (enable it first)."""
    delivery = await uow.session.get(Delivery, delivery_id)
    endpoint = (
        await uow.session.get(WebhookEndpoint, delivery.endpoint_id)
        if delivery is not None and delivery.endpoint_id
        else None
    )
    if delivery is None or endpoint is None or endpoint.enterprise_id != enterprise_id:
        raise NotFound("no such delivery", why="webhook-not-found")
    if not endpoint.enabled:
        raise Conflict(
            "the endpoint is disabled: enable it before sending again", why="endpoint-disabled"
        )
    now = utc_now()
    if delivery.status != PENDING:
        delivery.status = PENDING
        delivery.delivered_at = None
        delivery.lease_owner = None
        delivery.lease_until = None
    # A claim under way is left alone: its attempt records the outcome (and the next due
    # time), and a second attempt beside it would send the webhook twice at once.
    if delivery.next_attempt_at > now:
        delivery.next_attempt_at = now
    await uow.session.flush()
    return (await _logged(uow, endpoint.id, [delivery]))[0]

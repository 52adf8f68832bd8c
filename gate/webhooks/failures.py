"""An endpoint that keeps failing is disabled and its owner told: the ``webhook`` channel's
``given_up`` hook, run in the transaction that marks a delivery failed."""

from __future__ import annotations

from gate.domain.events import WebhookEndpointDisabled
from gate.domain.time import utc_now
from gate.outbox.protocols import Outcome
from gate.store.tables import Delivery, WebhookEndpoint
from gate.store.unit_of_work import UnitOfWork
from gate.webhooks.endpoints import cancel_pending


async def disable_failing_endpoint(uow: UnitOfWork, delivery: Delivery, outcome: Outcome) -> None:
    """Disable the delivery's endpoint (still enabled), cancel its pending deliveries and
    record ``WebhookEndpointDisabled`` (outboxed: its managers are told by the channels each
    chose; the portal shows the reason). The reason names the status, never the URL."""
    if delivery.endpoint_id is None:
        return
    endpoint = await uow.session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint is None or not endpoint.enabled:
        return
    if outcome.status == 410:
        reason = "the receiver answered 410 Gone"
    else:
        reason = f"a delivery failed {delivery.attempts + 1} times; last: {outcome.error}"
    endpoint.enabled = False
    endpoint.disabled_at = utc_now()
    endpoint.disabled_reason = reason[:300]
    await cancel_pending(uow, endpoint.id)
    uow.record(
        WebhookEndpointDisabled(
            enterprise_id=endpoint.enterprise_id, endpoint_id=endpoint.id, reason=reason[:300]
        )
    )
    await uow.session.flush()

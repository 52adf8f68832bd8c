"""Webhooks for enterprises (issue 15): endpoints, their secrets, the delivery log. An
enterprise's managers (manager API keys and manager users) manage its own endpoints."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts.permissions import Action, acting_enterprise
from gate.domain.outbox import WEBHOOK_EVENT_TYPES
from gate.store.unit_of_work import UnitOfWork
from gate.webhooks import endpoints as service
from gate.webhooks.log import delivery_log, send_again
from services.api.webhooks.schemas import (
    DeliveryView,
    EndpointChange,
    EndpointCreate,
    EndpointView,
    EndpointWithSecret,
    EventTypeList,
)
from services.common.contract import documented
from services.common.dependencies import Caller
from services.platform import Platform

MANAGERS = (
    "an enterprise manager's credential: an API key (`gk_…`) of scope `manager` or a "
    "manager user's session (`gs_…`)"
)


class WebhookController(Controller):
    path = "/webhooks"
    tags = ["webhooks"]

    @get(
        "/event-types",
        operation_id="listWebhookEventTypes",
        **documented("List the webhook event types", credentials=[MANAGERS], database=False),
    )
    async def event_types(self, principal: Caller) -> EventTypeList:
        """The public types an endpoint may subscribe to (each webhook's ``type``)."""
        acting_enterprise(principal, Action.MANAGE_WEBHOOKS)
        return EventTypeList(list(WEBHOOK_EVENT_TYPES))

    @post(
        "/endpoints",
        operation_id="createWebhookEndpoint",
        status_code=201,
        **documented("Add a webhook endpoint", credentials=[MANAGERS]),
    )
    async def create(
        self,
        data: JSONBody[EndpointCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> EndpointWithSecret:
        """A new endpoint for the enterprise's events. Its signing ``secret`` (Standard
        Webhooks, ``whsec_…``) is in this answer and never again: verify each webhook with it
        (any Standard Webhooks library). Every webhook carries ``webhook-id`` (stable: drop a
        repeated one), ``webhook-timestamp`` and ``webhook-signature``. Answer 2xx within 15 s;
        410 disables the endpoint; other answers are retried for about a day, after which the
        endpoint is disabled and the enterprise told."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_WEBHOOKS)
        endpoint = await service.create_endpoint(
            uow,
            enterprise_id,
            data.url,
            data.event_types,
            data.description,
            allow_private=platform.settings.webhook_allow_private,
        )
        return EndpointWithSecret.with_secret(endpoint)

    @get(
        "/endpoints",
        operation_id="listWebhookEndpoints",
        **documented("List the webhook endpoints", credentials=[MANAGERS]),
    )
    async def list_all(
        self, uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> list[EndpointView]:
        """The enterprise's endpoints, disabled ones with the reason; never their secrets."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_WEBHOOKS)
        return [EndpointView.of(e) for e in await service.list_endpoints(uow, enterprise_id)]

    @get(
        "/endpoints/{endpoint_id:str}",
        operation_id="getWebhookEndpoint",
        **documented("Read a webhook endpoint", credentials=[MANAGERS], problems=["not-found"]),
    )
    async def get_one(
        self, endpoint_id: FromPath[str], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> EndpointView:
        """One of the enterprise's endpoints."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_WEBHOOKS)
        return EndpointView.of(await service.get_endpoint(uow, enterprise_id, endpoint_id))

    @patch(
        "/endpoints/{endpoint_id:str}",
        operation_id="changeWebhookEndpoint",
        **documented("Change a webhook endpoint", credentials=[MANAGERS], problems=["not-found"]),
    )
    async def change(
        self,
        endpoint_id: FromPath[str],
        data: JSONBody[EndpointChange],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> EndpointView:
        """Change the URL, the event types or the description; disable (``enabled``: false,
        its pending webhooks cancelled) or enable it again."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_WEBHOOKS)
        change = service.EndpointChange(data.url, data.event_types, data.description, data.enabled)
        endpoint = await service.change_endpoint(
            uow,
            enterprise_id,
            endpoint_id,
            change,
            allow_private=platform.settings.webhook_allow_private,
        )
        return EndpointView.of(endpoint)

    @post(
        "/endpoints/{endpoint_id:str}/rotate-secret",
        operation_id="rotateWebhookSecret",
        status_code=200,
        **documented("Rotate an endpoint's secret", credentials=[MANAGERS], problems=["not-found"]),
    )
    async def rotate(
        self, endpoint_id: FromPath[str], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> EndpointWithSecret:
        """A new signing secret, in this answer only. For 24 hours the old secret signs beside
        it (``webhook-signature`` carries both), so the receiver can switch without a gap; a
        secret rotated out before keeps its own 24 hours (at most five sign beside the new
        one). ``previous_secret_until``: the latest of those ends."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_WEBHOOKS)
        endpoint = await service.rotate_secret(uow, enterprise_id, endpoint_id)
        return EndpointWithSecret.with_secret(endpoint)

    @delete(
        "/endpoints/{endpoint_id:str}",
        operation_id="deleteWebhookEndpoint",
        **documented("Delete a webhook endpoint", credentials=[MANAGERS], problems=["not-found"]),
    )
    async def remove(
        self, endpoint_id: FromPath[str], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> None:
        """The endpoint and its delivery log are deleted; nothing more is sent to it."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_WEBHOOKS)
        await service.delete_endpoint(uow, enterprise_id, endpoint_id)

    @get(
        "/endpoints/{endpoint_id:str}/deliveries",
        operation_id="listWebhookDeliveries",
        **documented(
            "Read an endpoint's delivery log", credentials=[MANAGERS], problems=["not-found"]
        ),
    )
    async def deliveries(
        self, endpoint_id: FromPath[str], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> list[DeliveryView]:
        """The endpoint's last 100 webhooks, newest first, each with every attempt: when, the
        answer's status (none: no answer), the error, how long it took."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_WEBHOOKS)
        return [
            DeliveryView.of(each) for each in await delivery_log(uow, enterprise_id, endpoint_id)
        ]

    @post(
        "/deliveries/{delivery_id:str}/send-again",
        operation_id="sendWebhookAgain",
        status_code=202,
        **documented(
            "Send a webhook again", credentials=[MANAGERS], problems=["not-found", "conflict"]
        ),
    )
    async def again(
        self,
        delivery_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> DeliveryView:
        """One more attempt of the same webhook (same ``webhook-id``), at once: a delivered,
        failed or cancelled one is pending again, a pending one waiting for its next retry is
        due now. One held behind an earlier webhook of the same booking still waits for it
        (``waiting_for`` names it: send that one again). Answered as the delivery log shows
        it. 409 while the endpoint is disabled."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_WEBHOOKS)
        logged = await send_again(uow, enterprise_id, delivery_id)
        await uow.commit()
        if platform.outbox is not None:
            platform.outbox.wake()
        return DeliveryView.of(logged)

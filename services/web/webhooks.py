"""The portal's webhooks page (an enterprise's managers: the rule book's ``manage-webhooks``),
over the same use cases as ``/api/v1/webhooks`` (gate/webhooks/): the endpoints with the
events they take and whether they are enabled (and if not, why and since when); add one and
see its secret once; rotate the secret; disable, enable, delete; the delivery log of each
with every attempt and "send again". Forms post with the session's CSRF token."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action, acting_enterprise
from gate.accounts.principal import EnterpriseUser
from gate.domain.errors import DomainError, NotFound
from gate.domain.outbox import WEBHOOK_EVENT_TYPES
from gate.domain.time import utc_now
from gate.store.tables import Delivery, WebhookEndpoint
from gate.store.unit_of_work import UnitOfWork
from gate.webhooks import endpoints as service
from gate.webhooks.endpoints import grace_ends
from gate.webhooks.log import LoggedDelivery, delivery_log, send_again
from services.api.webhooks.schemas import EndpointCreate
from services.platform import Platform
from services.web.forms import decode_form
from services.web.locale_format import when
from services.web.public import require_browser
from services.web.render import back_to, page, translator
from services.web.webhook_words import (
    attempt_error,
    disabled_by_platform,
    disabled_reason,
    refusal,
)

HOME = "/portal/webhooks"


def type_key(kind: str) -> str:
    """The words' key of a public webhook type (``booking.created``:
    ``webhook_type_booking_created``)."""
    return "webhook_type_" + kind.replace(".", "_")


def endpoint_view(row: WebhookEndpoint, t: Any) -> dict[str, Any]:
    """What the page shows of an endpoint: never its secret."""
    return {
        "id": row.id,
        "url": row.url,
        "description": row.description or "",
        "types": [t(type_key(kind)) for kind in row.event_types],
        "enabled": row.enabled,
        "by_platform": not row.enabled and disabled_by_platform(row.disabled_reason),
        "reason": disabled_reason(row.disabled_reason, t),
        "disabled_at": when(row.disabled_at, t.language, year=True) if row.disabled_at else "",
        "created_at": when(row.created_at, t.language, year=True),
    }


def delivery_view(logged: LoggedDelivery, t: Any) -> dict[str, Any]:
    """One line of the delivery log: its type and status in words, each attempt; a pending
    one's next attempt, or the earlier webhook of the same booking it waits for."""
    row = logged.delivery
    return {
        "id": row.id,
        "type": t(type_key(str(row.payload.get("type", "")))),
        "status": row.status,
        "status_words": t("delivery_" + row.status),
        "created_at": when(row.created_at, t.language, year=True),
        "next_attempt_at": when(row.next_attempt_at, t.language, year=True),
        "waiting_for": logged.waiting_for,
        "attempts": [
            {
                "at": when(a.at, t.language, year=True, seconds=True),
                "status_code": a.status_code,
                "error": attempt_error(a.error, t),
                "duration_ms": a.duration_ms,
            }
            for a in logged.attempts
        ],
    }


class WebhookPages(Controller):
    path = HOME
    include_in_schema = False

    async def _manager(
        self, request: Request[Any, Any, Any], platform: Platform
    ) -> tuple[EnterpriseUser, str]:
        """The signed-in manager and their enterprise; anyone else is refused (Forbidden, 403,
        the refusal page) by the rule book, as on the API."""
        who = await require_browser(request, platform, EnterpriseUser, HOME)
        return who, acting_enterprise(who, Action.MANAGE_WEBHOOKS)

    async def _list(
        self,
        request: Request[Any, Any, Any],
        uow: UnitOfWork,
        who: EnterpriseUser,
        enterprise_id: str,
        status_code: int = 200,
        **extra: Any,
    ) -> Template:
        t = translator(request)
        rows = await service.list_endpoints(uow, enterprise_id)
        return page(
            request,
            "portal/webhooks.html",
            who,
            status_code=status_code,
            endpoints=[endpoint_view(row, t) for row in rows],
            event_types=[(kind, t(type_key(kind))) for kind in WEBHOOK_EVENT_TYPES],
            **extra,
        )

    async def _endpoint_page(
        self,
        request: Request[Any, Any, Any],
        uow: UnitOfWork,
        who: EnterpriseUser,
        enterprise_id: str,
        endpoint_id: str,
        template: str = "portal/webhook.html",
        **extra: Any,
    ) -> Template:
        """An endpoint's page (or its deletion's confirmation); another enterprise's, or none,
        is the portal's 404 page."""
        t = translator(request)
        try:
            row = await service.get_endpoint(uow, enterprise_id, endpoint_id)
            log = await delivery_log(uow, enterprise_id, endpoint_id)
        except NotFound:
            return page(request, "portal/not_found.html", who, status_code=404)
        return page(
            request,
            template,
            who,
            endpoint=endpoint_view(row, t),
            deliveries=[delivery_view(each, t) for each in log],
            **extra,
        )

    @get("/")
    async def list_page(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        who, enterprise_id = await self._manager(request, platform)
        return await self._list(request, uow, who, enterprise_id)

    @post("/", status_code=200)
    async def add(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """Answered with the page itself: the secret must not travel in a URL (history,
        logs), and this answer (no-store) is the only place it is ever shown. A refused value
        comes back in the form with the reason in the page's language (422, nothing made)."""
        who, enterprise_id = await self._manager(request, platform)
        form = await request.form()
        chosen = [str(kind) for kind in form.getall("event_types", [])]
        typed = {"url": str(form.get("url", "")), "description": str(form.get("description", ""))}
        try:
            data = decode_form(typed, EndpointCreate, event_types=chosen)
            async with uow.savepoint():
                row = await service.create_endpoint(
                    uow,
                    enterprise_id,
                    data.url,
                    data.event_types,
                    data.description,
                    allow_private=platform.settings.webhook_allow_private,
                )
        except DomainError as error:
            refused = {
                **typed,
                "event_types": chosen,
                "reason": refusal(error, translator(request)),
            }
            return await self._list(
                request, uow, who, enterprise_id, status_code=422, refused=refused
            )
        made = {"url": row.url, "secret": row.secret, "id": row.id}
        return await self._list(request, uow, who, enterprise_id, made=made)

    @get("/{endpoint_id:str}")
    async def endpoint_page(
        self,
        request: Request[Any, Any, Any],
        endpoint_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        who, enterprise_id = await self._manager(request, platform)
        return await self._endpoint_page(request, uow, who, enterprise_id, endpoint_id)

    @post("/{endpoint_id:str}/rotate", status_code=200)
    async def rotate(
        self,
        request: Request[Any, Any, Any],
        endpoint_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """The new secret on this answer only; the old one's grace said (ROTATION_GRACE)."""
        who, enterprise_id = await self._manager(request, platform)
        try:
            row = await service.rotate_secret(uow, enterprise_id, endpoint_id)
        except NotFound:
            return page(request, "portal/not_found.html", who, status_code=404)
        # Set by the rotation just made: the secret it replaced signs until then.
        ends = grace_ends(row, utc_now()) or row.updated_at
        until = when(ends, translator(request).language, year=True)
        rotated = {"secret": row.secret, "old_until": until}
        return await self._endpoint_page(
            request, uow, who, enterprise_id, endpoint_id, rotated=rotated
        )

    @post("/{endpoint_id:str}/enabled")
    async def set_enabled(
        self,
        request: Request[Any, Any, Any],
        endpoint_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template | Redirect:
        """Disable (its pending webhooks cancelled) or enable it again (``enabled``: on/off)."""
        who, enterprise_id = await self._manager(request, platform)
        form = await request.form()
        enabled = form.get("enabled") == "on"
        t = translator(request)
        try:
            await service.change_endpoint(
                uow,
                enterprise_id,
                endpoint_id,
                service.EndpointChange(enabled=enabled),
                allow_private=platform.settings.webhook_allow_private,
            )
        except NotFound:
            return page(request, "portal/not_found.html", who, status_code=404)
        message = t("webhook_enabled" if enabled else "webhook_disabled_now")
        return back_to(f"{HOME}/{endpoint_id}", message=message)

    @get("/{endpoint_id:str}/delete")
    async def confirm_delete(
        self,
        request: Request[Any, Any, Any],
        endpoint_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """The confirmation: deleting drops the delivery log too, and cannot be undone."""
        who, enterprise_id = await self._manager(request, platform)
        return await self._endpoint_page(
            request, uow, who, enterprise_id, endpoint_id, "portal/webhook_delete.html"
        )

    @post("/{endpoint_id:str}/delete")
    async def delete(
        self,
        request: Request[Any, Any, Any],
        endpoint_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template | Redirect:
        who, enterprise_id = await self._manager(request, platform)
        try:
            await service.delete_endpoint(uow, enterprise_id, endpoint_id)
        except NotFound:
            return page(request, "portal/not_found.html", who, status_code=404)
        return back_to(HOME, message=translator(request)("webhook_deleted"))

    @post("/deliveries/{delivery_id:str}/send-again")
    async def again(
        self,
        request: Request[Any, Any, Any],
        delivery_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template | Redirect:
        """One more attempt of the same webhook (same ``webhook-id``), at once; back to its
        endpoint's page, saying so, or which earlier webhook of the same booking it still
        waits for. Committed before the dispatcher is woken, as the API does."""
        who, enterprise_id = await self._manager(request, platform)
        t = translator(request)
        try:
            async with uow.savepoint():
                logged = await send_again(uow, enterprise_id, delivery_id)
        except NotFound:
            return page(request, "portal/not_found.html", who, status_code=404)
        except DomainError as error:
            endpoint_id = await _endpoint_of(uow, delivery_id)
            return back_to(f"{HOME}/{endpoint_id}", error=refusal(error, t))
        await uow.commit()
        if platform.outbox is not None:
            platform.outbox.wake()
        here = f"{HOME}/{logged.delivery.endpoint_id}"
        if logged.waiting_for is not None:
            said = t("webhook_sent_again_waiting").format(earlier=logged.waiting_for)
            return back_to(here, message=said)
        return back_to(here, message=t("webhook_sent_again"))


async def _endpoint_of(uow: UnitOfWork, delivery_id: str) -> str:
    """The endpoint of a delivery already found to be the enterprise's (send_again checked)."""
    delivery = await uow.session.get(Delivery, delivery_id)
    return str(delivery.endpoint_id) if delivery is not None else ""

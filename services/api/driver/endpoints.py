"""Links to the driver's page of a booking: made (the URL answered once), listed, revoked, by
the booking's own enterprise (the rule book's ``manage-driver-links``). The page itself and
its JSON are the pages' part (services/web/driver.py): a link is no API credential."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from gate.accounts.permissions import Action, acting_enterprise
from gate.domain.time import utc_now
from gate.driver_page import links
from gate.store.unit_of_work import UnitOfWork
from services.api.driver.schemas import DriverLinkView, NewDriverLink, page_url
from services.common.contract import ENTERPRISE, documented
from services.common.dependencies import Caller


class DriverLinkController(Controller):
    path = "/bookings/{booking_id:str}/driver-links"
    tags = ["driver links"]

    @post(
        operation_id="createDriverLink",
        status_code=201,
        **documented(
            "Make a link to the driver's page", credentials=[ENTERPRISE], problems=["not-found"]
        ),
    )
    async def create_link(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> NewDriverLink:
        """A new link to the driver's page of one of the enterprise's bookings: ``url``
        carries a random secret (32 bytes), answered this once and never stored (only its
        SHA-256 is), so send it to the driver now. Whoever holds it sees that truck's page
        (booking, plate, yard, dispatch order) and may share the truck's position; nothing
        else. It works until ``expires_at``, three days after the booked hour, or until
        revoked. Audited (``driver_link.made``)."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_DRIVER_LINKS)
        now = utc_now()
        made = await links.make_link(uow, enterprise_id, booking_id, now, principal.actor)
        view = DriverLinkView.of(made.link, now)
        return NewDriverLink(
            **{f: getattr(view, f) for f in view.__struct_fields__},
            url=page_url(request, made.token),
        )

    @get(
        operation_id="listDriverLinks",
        **documented(
            "List a booking's links to the driver's page",
            credentials=[ENTERPRISE],
            problems=["not-found"],
        ),
    )
    async def list_links(
        self,
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> list[DriverLinkView]:
        """Every link made for the enterprise's booking, newest first, without secrets."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_DRIVER_LINKS)
        now = utc_now()
        rows = await links.list_links(uow, enterprise_id, booking_id)
        return [DriverLinkView.of(row, now) for row in rows]

    @post(
        "/{link_id:str}/revoke",
        operation_id="revokeDriverLink",
        status_code=200,
        **documented(
            "Revoke a link to the driver's page",
            credentials=[ENTERPRISE],
            problems=["not-found"],
        ),
    )
    async def revoke_link(
        self,
        booking_id: FromPath[str],
        link_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> DriverLinkView:
        """Revoke one of the booking's links: from now on it opens nothing (the page answers
        410). Revoking it again changes nothing. Audited (``driver_link.revoked``)."""
        enterprise_id = acting_enterprise(principal, Action.MANAGE_DRIVER_LINKS)
        now = utc_now()
        row = await links.revoke_link(uow, enterprise_id, booking_id, link_id, now, principal.actor)
        return DriverLinkView.of(row, now)

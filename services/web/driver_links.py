"""The portal's "link for the driver": made on the booking's page, its URL and QR code shown
on the answer to the form's post (never in a URL, never again), and revoked from there."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action, acting_enterprise
from gate.accounts.principal import EnterpriseUser
from gate.domain.errors import NotFound
from gate.domain.time import utc_now
from gate.driver_page import links
from gate.store.unit_of_work import UnitOfWork
from services.api.driver.schemas import page_url
from services.platform import Platform
from services.web.portal import qr_svg
from services.web.portal_booking_page import booking_view
from services.web.public import require_browser
from services.web.render import back_to, page


class DriverLinkPages(Controller):
    path = "/portal/bookings/{booking_id:str}/driver-links"
    include_in_schema = False

    @post("/")
    async def make(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """A new link; the booking's page comes back with its URL and QR code, this once."""
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        enterprise_id = acting_enterprise(who, Action.MANAGE_DRIVER_LINKS)
        try:
            made = await links.make_link(uow, enterprise_id, booking_id, utc_now(), who.actor)
        except NotFound:
            return page(request, "portal/not_found.html", who, status_code=404)
        url = page_url(request, made.token)
        return await booking_view(
            request,
            uow,
            who,
            enterprise_id,
            booking_id,
            platform,
            new_link=url,
            new_link_qr=qr_svg(url),
        )

    @post("/{link_id:str}/revoke")
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        link_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Redirect | Template:
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        enterprise_id = acting_enterprise(who, Action.MANAGE_DRIVER_LINKS)
        try:
            await links.revoke_link(uow, enterprise_id, booking_id, link_id, utc_now(), who.actor)
        except NotFound:
            return page(request, "portal/not_found.html", who, status_code=404)
        return back_to(f"/portal/bookings/{booking_id}")

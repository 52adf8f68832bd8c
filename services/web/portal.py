"""The enterprise portal (cổng doanh nghiệp): the fleet and its grants. Forms
post with a CSRF token and redirect back (post, redirect, get). A refused fleet form (a
vehicle, a driver, a grant) is answered with the page itself, its status the problem's (422
a wrong value, 409 a plate already registered), filled with what was typed and the reason
in the page's language: nothing typed is lost, and a driver's ID number or phone never
travels in an address (issue 16). The bookings' list is
services/web/portal_bookings.py, the booking form portal_booking.py, a booking's page and its
cancelling portal_booking_page.py."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import qrcode
import qrcode.image.svg
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action, acting_enterprise
from gate.accounts.principal import EnterpriseUser
from gate.domain.errors import DomainError, ValidationFailed
from gate.domain.plates import format_plate
from gate.domain.time import (
    LOCAL_TZ,
    as_local,
    utc_now,
)
from gate.fleet import grants
from gate.fleet import service as fleet
from gate.store.unit_of_work import UnitOfWork
from services.api.fleet.schemas import DriverCreate, GrantCreate, VehicleCreate
from services.platform import Platform
from services.web.forms import decode_form
from services.web.public import require_browser
from services.web.render import back_to, page, refused


def qr_svg(text: str) -> str:
    """The booking code as an SVG QR code, for the kiosk at the yard entrance."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


class PortalController(Controller):
    path = "/portal"
    include_in_schema = False

    async def _who(
        self, request: Request[Any, Any, Any], platform: Platform, action: Action
    ) -> tuple[EnterpriseUser, str]:
        """The signed-in user (else to sign in) and, once the rule book lets them take
        ``action``, the enterprise they act for (Forbidden, 403, otherwise)."""
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        return who, acting_enterprise(who, action)

    @get("/fleet")
    async def fleet_page(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        who, enterprise_id = await self._who(request, platform, Action.MANAGE_FLEET)
        return await fleet_view(request, uow, who, enterprise_id)

    @post("/grants")
    async def give_grant(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        """Let another enterprise (by tax code) book one of our trucks until a local time."""
        who, enterprise_id = await self._who(request, platform, Action.MANAGE_FLEET)
        try:
            # A datetime-local field: the gates' clock, as everywhere on these pages.
            until = datetime.fromisoformat(data.get("valid_until", "")).replace(tzinfo=LOCAL_TZ)
        except ValueError:
            wrong = ValidationFailed(why="required", field="valid_until")
            return await fleet_refused(request, uow, who, enterprise_id, data, wrong)
        try:
            form = decode_form(data, GrantCreate, valid_until=until)
            new = grants.NewGrant(form.vehicle_id, form.grantee_tax_code, form.valid_until)
            async with uow.savepoint():
                row = await grants.give_grant(uow, enterprise_id, new, utc_now(), who.actor)
        except DomainError as error:
            return await fleet_refused(request, uow, who, enterprise_id, data, error)
        return back_to("/portal/fleet", message=format_plate(row.plate))

    @post("/grants/{grant_id:str}/revoke")
    async def revoke_grant(
        self,
        request: Request[Any, Any, Any],
        grant_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Redirect:
        who, enterprise_id = await self._who(request, platform, Action.MANAGE_FLEET)
        try:
            async with uow.savepoint():
                row = await grants.revoke_grant(uow, enterprise_id, grant_id, utc_now(), who.actor)
        except DomainError as error:
            return back_to("/portal/fleet", error=error)
        return back_to("/portal/fleet", message=format_plate(row.plate))

    @post("/vehicles")
    async def add_vehicle(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        who, enterprise_id = await self._who(request, platform, Action.MANAGE_FLEET)
        try:
            form = decode_form(data, VehicleCreate)
            new = fleet.NewVehicle(
                form.plate, form.vehicle_type, form.trailer_plate, form.registration_number
            )
            async with uow.savepoint():
                await fleet.register_vehicle(uow, enterprise_id, new)
        except DomainError as error:
            return await fleet_refused(request, uow, who, enterprise_id, data, error)
        return back_to("/portal/fleet", message=format_plate(new.plate.upper()))

    @post("/drivers")
    async def add_driver(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        who, enterprise_id = await self._who(request, platform, Action.MANAGE_FLEET)
        try:
            form = decode_form(data, DriverCreate)
            new = fleet.NewDriver(form.full_name, form.id_number, form.phone, form.nationality)
            async with uow.savepoint():
                await fleet.register_driver(uow, enterprise_id, new)
        except DomainError as error:
            return await fleet_refused(request, uow, who, enterprise_id, data, error)
        return back_to("/portal/fleet", message=new.full_name)


async def fleet_view(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    who: EnterpriseUser,
    enterprise_id: str,
    sent: Mapping[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Template:
    """The fleet page: the enterprise's vehicles, drivers and grants, and their forms, whose
    fields hold ``sent`` (a refused post's form; empty otherwise) with ``error`` above."""
    own = await fleet.list_vehicles(uow, enterprise_id)
    vehicles = [
        {
            "plate": format_plate(v.plate),
            "type": v.vehicle_type,
            "trailer": format_plate(v.trailer_plate) if v.trailer_plate else "",
        }
        for v in own
    ]
    drivers = await fleet.list_drivers(uow, enterprise_id)
    now = utc_now()

    def shown(row: grants.GrantRow) -> dict[str, Any]:
        return {
            "id": row.grant.id,
            "plate": format_plate(row.plate),
            "type": row.vehicle_type,
            "grantee": f"{row.grantee_name} ({row.grantee_tax_code})",
            "until": as_local(row.grant.valid_until),
            "live": row.is_live(now),
        }

    extra: dict[str, Any] = {"error": error} if error else {}
    return page(
        request,
        "portal/fleet.html",
        who,
        status_code=status_code,
        vehicles=vehicles,
        own=own,
        drivers=drivers,
        vehicle_types=sorted(fleet.VEHICLE_TYPES),
        given=[shown(g) for g in await grants.list_given(uow, enterprise_id)],
        received=[shown(g) for g in await grants.list_received(uow, enterprise_id)],
        format_plate=format_plate,
        sent=dict(sent or {}),
        **extra,
    )


async def fleet_refused(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    who: EnterpriseUser,
    enterprise_id: str,
    sent: Mapping[str, str],
    error: DomainError,
) -> Template:
    """The fleet page again after a refused form: what was typed, the reason in the page's
    language and the problem's status (``render.refused``)."""
    words, status = refused(request, error)
    return await fleet_view(request, uow, who, enterprise_id, sent, words, status)

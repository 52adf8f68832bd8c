"""The enterprise portal (cổng doanh nghiệp): fleet, booking from a calendar of free places,
a booking's QR code, live status and history; reschedule and cancel. Forms post with a CSRF
token and redirect back (post, redirect, get)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action, acting_enterprise
from gate.accounts.principal import EnterpriseUser
from gate.bookings import service as bookings
from gate.domain.errors import DomainError, ValidationFailed
from gate.domain.plates import format_plate
from gate.domain.time import (
    LOCAL_TZ,
    accepted_instant,
    as_local,
    floor_to_slot,
    utc_now,
)
from gate.driver_page import links as driver_links
from gate.driver_page.road import roads
from gate.fleet import grants
from gate.fleet import service as fleet
from gate.gates import service as gates
from gate.gates.calendar import parse_direction
from gate.store.audit import history
from gate.store.unit_of_work import UnitOfWork
from services.api.bookings.schemas import (
    BookingCancel,
    BookingCreate,
    BookingReschedule,
    CargoInput,
)
from services.api.driver.schemas import DriverLinkView, RoadView
from services.api.fleet.schemas import DriverCreate, GrantCreate, VehicleCreate
from services.api.throttle import booking_write
from services.platform import Platform
from services.web.forms import decode_form
from services.web.page_words import Note
from services.web.public import require_browser
from services.web.render import back_to, page


def qr_svg(text: str) -> str:
    """The booking code as an SVG QR code, for the kiosk at the yard entrance."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def _local_day(value: str | None) -> date:
    """The day asked for on the gates' clock; today when none, or none the platform accepts
    (not a date, or one whose hours lie outside the accepted window of times)."""
    today = utc_now().astimezone(LOCAL_TZ).date()
    try:
        day = date.fromisoformat(value) if value else today
        accepted_instant(datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_TZ))
    except (ValueError, DomainError):
        return today
    return day


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

    @get("/")
    async def home(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        who, enterprise_id = await self._who(request, platform, Action.READ_OWN_BOOKINGS)
        since = utc_now() - timedelta(days=2)
        rows, _ = await bookings.list_bookings(
            uow, enterprise_id, bookings.BookingFilter(slot_from=since, limit=200)
        )
        codes = await gates.gate_codes(uow)
        on_road = await roads(uow, [b.id for b in rows], utc_now())
        items = [
            {
                "row": b,
                "gate": codes[b.gate_id],
                "plate": format_plate(b.plate),
                "slot": as_local(b.slot_start),
                "road": RoadView.of_any(on_road[b.id]),
            }
            for b in rows
        ]
        return page(
            request, "portal/home.html", who, bookings=items, gate_rows=await gates.list_gates(uow)
        )

    @get("/fleet")
    async def fleet_page(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        who, enterprise_id = await self._who(request, platform, Action.MANAGE_FLEET)
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

        return page(
            request,
            "portal/fleet.html",
            who,
            vehicles=vehicles,
            own=own,
            drivers=drivers,
            vehicle_types=sorted(fleet.VEHICLE_TYPES),
            given=[shown(g) for g in await grants.list_given(uow, enterprise_id)],
            received=[shown(g) for g in await grants.list_received(uow, enterprise_id)],
            format_plate=format_plate,
        )

    @post("/grants")
    async def give_grant(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        """Let another enterprise (by tax code) book one of our trucks until a local time."""
        who, enterprise_id = await self._who(request, platform, Action.MANAGE_FLEET)
        try:
            # A datetime-local field: the gates' clock, as everywhere on these pages.
            until = datetime.fromisoformat(data.get("valid_until", "")).replace(tzinfo=LOCAL_TZ)
        except ValueError:
            return back_to(
                "/portal/fleet", error=ValidationFailed(why="required", field="valid_until")
            )
        try:
            form = decode_form(data, GrantCreate, valid_until=until)
            new = grants.NewGrant(form.vehicle_id, form.grantee_tax_code, form.valid_until)
            async with uow.savepoint():
                row = await grants.give_grant(uow, enterprise_id, new, utc_now(), who.actor)
        except DomainError as error:
            return back_to("/portal/fleet", error=error)
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
    ) -> Redirect:
        _, enterprise_id = await self._who(request, platform, Action.MANAGE_FLEET)
        try:
            form = decode_form(data, VehicleCreate)
            new = fleet.NewVehicle(
                form.plate, form.vehicle_type, form.trailer_plate, form.registration_number
            )
            async with uow.savepoint():
                await fleet.register_vehicle(uow, enterprise_id, new)
        except DomainError as error:
            return back_to("/portal/fleet", error=error)
        return back_to("/portal/fleet", message=format_plate(new.plate.upper()))

    @post("/drivers")
    async def add_driver(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        _, enterprise_id = await self._who(request, platform, Action.MANAGE_FLEET)
        try:
            form = decode_form(data, DriverCreate)
            new = fleet.NewDriver(form.full_name, form.id_number, form.phone, form.nationality)
            async with uow.savepoint():
                await fleet.register_driver(uow, enterprise_id, new)
        except DomainError as error:
            return back_to("/portal/fleet", error=error)
        return back_to("/portal/fleet", message=new.full_name)

    @get("/book")
    async def book_page(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """A calendar of the free places of a gate, direction and day, and the booking form."""
        who, enterprise_id = await self._who(request, platform, Action.BOOK)
        all_gates = await gates.list_gates(uow)
        code = request.query_params.get("gate") or "tan-thanh"
        # A direction the page does not know is a 422 naming it, as in the API.
        direction = parse_direction(request.query_params.get("direction") or "export")
        day = _local_day(request.query_params.get("day"))
        start = datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_TZ)
        now = utc_now()
        offered = await gates.availability(
            uow, code, [direction], start, 24, now=now, horizon=platform.horizon
        )
        # Hours already over are left out; the others say why a booking would be refused.
        slots = [s for s in offered if s.starts_at >= floor_to_slot(now)]
        horizon_days = platform.settings.booking_horizon_days
        days = [now.astimezone(LOCAL_TZ).date() + timedelta(days=n) for n in range(horizon_days)]
        return page(
            request,
            "portal/book.html",
            who,
            gates=all_gates,
            gate_code=code,
            direction=direction.value,
            day=day,
            days=days,
            slots=[
                {
                    "start": as_local(s.starts_at),
                    "remaining": s.remaining,
                    "closed": s.closed_reason,
                    "refusal": s.refusal_code,
                    "refusal_why": s.refusal_why,
                }
                for s in slots
            ],
            # Our own trucks and those a live grant lets us book.
            vehicles=await grants.bookable_vehicles(uow, enterprise_id, now),
            drivers=await fleet.list_drivers(uow, enterprise_id),
            format_plate=format_plate,
        )

    @post("/book")
    async def book(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        who, enterprise_id = await self._who(request, platform, Action.BOOK)
        back = "/portal/book?" + urlencode(
            {"gate": data.get("gate", ""), "direction": data.get("direction", "")}
        )
        try:
            # The cargo's fields sit flat in the form; the API nests them.
            cargo = decode_form(data, CargoInput, perishable=data.get("perishable") == "on")
            new = decode_form(data, BookingCreate, cargo=cargo).new_booking()
        except DomainError as error:
            return back_to(back, error=error)
        rules = bookings.BookingRules(utc_now(), platform.horizon)
        try:
            await booking_write(platform, enterprise_id)
            async with uow.savepoint():
                booking = await bookings.create_booking(
                    uow, enterprise_id, new, rules, who.actor, gates=platform.gates
                )
        except DomainError as error:
            return back_to(back, error=error)
        return back_to(f"/portal/bookings/{booking.id}", message=Note("note_booked", booking.code))

    @get("/bookings/{booking_id:str}")
    async def booking_page(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """One of the enterprise's own bookings; another enterprise's answers 404."""
        who, enterprise_id = await self._who(request, platform, Action.READ_OWN_BOOKINGS)
        return await booking_view(request, uow, who, enterprise_id, booking_id)

    @post("/bookings/{booking_id:str}/reschedule")
    async def reschedule(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        who, enterprise_id = await self._who(request, platform, Action.RESCHEDULE)
        here = f"/portal/bookings/{booking_id}"
        try:
            form = decode_form(data, BookingReschedule)
        except DomainError as error:
            return back_to(here, error=error)
        start = form.slot_start
        rules = bookings.BookingRules(utc_now(), platform.horizon)
        try:
            await booking_write(platform, enterprise_id)
            async with uow.savepoint():
                await bookings.reschedule_booking(
                    uow, enterprise_id, booking_id, start, form.version, rules, who.actor
                )
        except DomainError as error:
            return back_to(here, error=error)
        return back_to(here, message=Note("note_rescheduled"))

    @post("/bookings/{booking_id:str}/cancel")
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        who, enterprise_id = await self._who(request, platform, Action.CANCEL)
        here = f"/portal/bookings/{booking_id}"
        try:
            form = decode_form(data, BookingCancel)
            await booking_write(platform, enterprise_id)
            async with uow.savepoint():
                await bookings.cancel_booking(
                    uow,
                    enterprise_id,
                    booking_id,
                    form.reason,
                    form.version,
                    utc_now(),
                    who.actor,
                )
        except DomainError as error:
            return back_to(here, error=error)
        return back_to(here, message=Note("note_cancelled"))


async def booking_view(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    who: EnterpriseUser,
    enterprise_id: str,
    booking_id: str,
    **extra: Any,
) -> Template:
    """The booking's page (404 for another enterprise's), with its road to the gate and its
    drivers' links; ``extra`` for the template (a link just made, shown once)."""
    try:
        booking = await bookings.get_booking(uow, enterprise_id, booking_id)
    except DomainError:
        return page(request, "portal/not_found.html", who, status_code=404)
    gate = await bookings.gate_of(uow, booking)
    steps = await history(uow.session, booking.id)
    now = utc_now()
    hours = [
        as_local(now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=h))
        for h in range(1, 24 * 3)
    ]
    on_road = (await roads(uow, [booking.id], now))[booking.id]
    made = await driver_links.list_links(uow, enterprise_id, booking.id)
    return page(
        request,
        "portal/booking.html",
        who,
        booking=booking,
        gate=gate,
        plate=format_plate(booking.plate),
        slot=as_local(booking.slot_start),
        qr=qr_svg(booking.code),
        history=[{"at": as_local(h.occurred_at), "row": h} for h in steps],
        hours=hours,
        road=RoadView.of_any(on_road),
        links=[DriverLinkView.of(row, now) for row in made],
        **extra,
    )

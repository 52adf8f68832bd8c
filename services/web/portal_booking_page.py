"""One booking in the portal: a slip to print or show at the kiosk (its code, QR code, truck,
driver, cargo, gate and hour), its live status with the lane once the truck is called, its
road to the gate, the link for the driver, its history in words, and rescheduling from the
week's calendar of its gate and direction (full and closed hours are not offered)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action, acting_enterprise
from gate.accounts.principal import EnterpriseUser
from gate.bookings import service as bookings
from gate.bookings.calendar import free_places
from gate.domain.bookings import BookingStatus
from gate.domain.errors import DomainError
from gate.domain.locale import when
from gate.domain.plates import format_plate
from gate.domain.slots import Direction
from gate.domain.time import as_local, utc_now
from gate.driver_page import links as driver_links
from gate.driver_page.road import roads
from gate.fees.refunds import fee_of
from gate.store.audit import history
from gate.store.tables import Booking, Driver, Lane
from gate.store.unit_of_work import UnitOfWork
from services.api.bookings.schemas import BookingCancel, BookingReschedule
from services.api.driver.schemas import DriverLinkView, RoadView
from services.api.throttle import booking_write
from services.platform import Platform
from services.web.booking_words import error_words, problem_words, steps
from services.web.declaration_form import declaration_context
from services.web.form_once import FORM_KEY, new_form_key, post_once
from services.web.forms import decode_form, local_value
from services.web.page_words import Note
from services.web.pay_code import fee_pay_code
from services.web.portal import qr_svg
from services.web.portal_booking import calendar_context, day_words, local_day
from services.web.portal_rebooking import rebooking_notice
from services.web.portal_receipt import receipt_link
from services.web.public import require_browser
from services.web.render import back_to, page, refused, translator

# Where a called truck is: at its lane, from the call until it leaves the lanes.
AT_THE_LANE = frozenset(
    {
        BookingStatus.CALLED.value,
        BookingStatus.IN_INSPECTION.value,
        BookingStatus.HELD.value,
        BookingStatus.CLEARED.value,
    }
)


async def lane_of(uow: UnitOfWork, booking: Booking) -> str | None:
    """The code of the lane the truck was called to, while it is at the lanes; else None."""
    if booking.status not in AT_THE_LANE or booking.lane_id is None:
        return None
    lane = await uow.session.get(Lane, booking.lane_id)
    return lane.code if lane else None


async def booking_view(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    who: EnterpriseUser,
    enterprise_id: str,
    booking_id: str,
    platform: Platform | None = None,
    *,
    status_code: int = 200,
    declaration_sent: Mapping[str, str] | None = None,
    **extra: Any,
) -> Template:
    """The booking's page (404 for another enterprise's), with its road to the gate, its
    drivers' links and, while it can be moved and ``platform`` is given, the calendar to
    reschedule from; ``extra`` for the template (a link just made, shown once; a refusal's
    ``error``), answered with ``status_code``; the declaration's form holding
    ``declaration_sent`` (a refused amendment's, as typed) when given."""
    try:
        booking = await bookings.get_booking(uow, enterprise_id, booking_id)
    except DomainError:
        return page(request, "portal/not_found.html", who, status_code=404)
    gate = await bookings.gate_of(uow, booking)
    now = utc_now()
    t = translator(request)
    on_road = (await roads(uow, [booking.id], now))[booking.id]
    made = await driver_links.list_links(uow, enterprise_id, booking.id)
    driver = await uow.session.get(Driver, booking.driver_id) if booking.driver_id else None
    context: dict[str, Any] = {
        "day_words": day_words(t),
        "latest_value": local_value(booking.latest_acceptable_at),
        # The gate's move waiting for an answer (gate/domain/rebooking.py's window).
        "rebooking": rebooking_notice(booking, now),
        # One key per form of the page: each acts once, and one does not replay another.
        "accept_key": new_form_key(),
        "latest_key": new_form_key(),
    }
    fee = await fee_of(uow, booking.id)  # frontend/templates/_fee.html
    if platform is not None:
        # The VietQR code to pay by, while the fee is due (frontend/templates/_pay_code.html).
        context["pay"] = fee_pay_code(platform.settings, fee)
    if platform is not None and booking.status == BookingStatus.BOOKED.value:
        first = local_day(request.query_params.get("day"))
        calendar = await free_places(
            uow, gate.code, Direction(booking.direction), first, horizon=platform.horizon
        )
        here = f"/portal/bookings/{booking.id}"
        context.update(calendar_context(request, calendar, platform, here, {}))
    return page(
        request,
        "portal/booking.html",
        who,
        status_code=status_code,
        booking=booking,
        gate=gate,
        plate=format_plate(booking.plate),
        trailer=format_plate(booking.trailer_plate) if booking.trailer_plate else None,
        driver=driver.full_name if driver else None,
        slot=as_local(booking.slot_start),
        spoil_by=as_local(booking.spoil_by) if booking.spoil_by else None,
        current=booking.slot_start,
        lane=await lane_of(uow, booking),
        fee=fee,
        qr=qr_svg(booking.code),
        history=steps(await history(uow.session, booking.id), t, booking.direction),
        road=RoadView.of_any(on_road),
        links=[DriverLinkView.of(row, now) for row in made],
        form_key=new_form_key(),
        form_key_field=FORM_KEY,
        **await declaration_context(uow, booking, enterprise_id, t, declaration_sent),
        **await receipt_link(uow, booking.id),
        **context,
        **extra,
    )


class BookingPage(Controller):
    path = "/portal/bookings/{booking_id:str}"
    include_in_schema = False

    @get("/")
    async def booking_page(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """One of the enterprise's own bookings; another enterprise's answers 404."""
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        enterprise_id = acting_enterprise(who, Action.READ_OWN_BOOKINGS)
        return await booking_view(request, uow, who, enterprise_id, booking_id, platform)

    @post("/reschedule")
    async def reschedule(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        """Move the booking to the hour chosen in the calendar, once per drawn form (a
        double click moves it once); back to the booking with the new hour, or with the
        reason in the page's language (full, closed, changed meanwhile)."""
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        enterprise_id = acting_enterprise(who, Action.RESCHEDULE)
        here = f"/portal/bookings/{booking_id}"
        t = translator(request)
        try:
            form = decode_form(data, BookingReschedule)
            await booking_write(platform, enterprise_id)
        except DomainError as error:
            return back_to(here, error=error_words(error, t))
        rules = bookings.BookingRules(utc_now(), platform.horizon, platform.settings.no_show_policy)

        async def move() -> tuple[int, dict[str, Any]]:
            moved = await bookings.reschedule_booking(
                uow, enterprise_id, booking_id, form.slot_start, form.version, rules, who.actor
            )
            return 200, {"slot_start": moved.slot_start.isoformat()}

        answer = await post_once(request, uow, platform, enterprise_id, data, move)
        if answer.refused:
            return back_to(here, error=problem_words(answer.body, t))
        moved_to = when(answer.body["slot_start"], t.language)
        return back_to(here, message=t("booking_moved").format(slot=moved_to))

    @post("/cancel")
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        """Cancel the booking with the reason typed; refused, the booking's page again with
        the reason as typed and why, in the page's language (issue 16), the problem's status
        (422 a reason too long, 409 no longer booked or changed meanwhile, 429)."""
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        enterprise_id = acting_enterprise(who, Action.CANCEL)
        try:
            form = decode_form(data, BookingCancel)
            await booking_write(platform, enterprise_id)
            async with uow.savepoint():
                await bookings.cancel_booking(
                    uow, enterprise_id, booking_id, form.reason, form.version, utc_now(), who.actor
                )
        except DomainError as error:
            words, status = refused(request, error)
            return await booking_view(
                request,
                uow,
                who,
                enterprise_id,
                booking_id,
                platform,
                status_code=status,
                error=words,
                cancel_reason=data.get("reason", ""),
            )
        return back_to(f"/portal/bookings/{booking_id}", message=Note("note_cancelled"))

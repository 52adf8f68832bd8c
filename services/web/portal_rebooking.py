"""Fair rebooking in the portal (docs/architecture.md, "Fair rebooking"): on a booking's page,
the notice of the gate's move with its two answers (accept; choose another hour from the
page's calendar), and the latest acceptable hour a move may take the booking to. Each form
acts once per drawn form (a double click answers once) and comes back to the booking with
the outcome or the refusal in the page's words, as the reschedule does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect

from gate.accounts.permissions import Action, acting_enterprise
from gate.accounts.principal import EnterpriseUser
from gate.bookings import rebooking_answers
from gate.bookings.service import BookingRules, get_booking
from gate.domain.errors import DomainError
from gate.domain.locale import when
from gate.domain.rebooking import check_latest_acceptable
from gate.domain.time import as_local, utc_now
from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork
from services.api.bookings.schemas import LatestAcceptable, RebookingAccept, RebookingChoose
from services.api.throttle import booking_write
from services.platform import Platform
from services.web.booking_words import error_words, problem_words
from services.web.form_once import post_once
from services.web.forms import decode_form, local_time
from services.web.public import require_browser
from services.web.render import back_to, translator

FIELD = "latest_acceptable_at"


def rebooking_notice(booking: Booking, now: datetime) -> dict[str, datetime] | None:
    """The gate's move of ``booking`` while the enterprise may answer it: the hour it left
    (``before``), its new hour (``slot``) and the window's end (``until``), local; else None."""
    until = booking.rebooking_open_until
    if until is None or booking.rebooked_from is None or now >= until:
        return None
    return {
        "before": as_local(booking.rebooked_from),
        "slot": as_local(booking.slot_start),
        "until": as_local(until),
    }


Change = Callable[[UnitOfWork, str, EnterpriseUser], Awaitable[Booking]]


async def _act(
    request: Request[Any, Any, Any],
    booking_id: str,
    uow: UnitOfWork,
    platform: Platform,
    data: dict[str, str],
    change: Change,
    said: str,
) -> Redirect:
    """Run ``change`` once for the drawn form; back to the booking with ``said`` (its
    ``{slot}`` the booking's hour) or the refusal."""
    who = await require_browser(request, platform, EnterpriseUser, "/portal")
    enterprise_id = acting_enterprise(who, Action.RESCHEDULE)
    here = f"/portal/bookings/{booking_id}"
    t = translator(request)
    try:
        await booking_write(platform, enterprise_id)
    except DomainError as error:
        return back_to(here, error=error_words(error, t))

    async def run() -> tuple[int, dict[str, Any]]:
        booking = await change(uow, enterprise_id, who)
        return 200, {"slot_start": booking.slot_start.isoformat()}

    answer = await post_once(request, uow, platform, enterprise_id, data, run)
    if answer.refused:
        return back_to(here, error=problem_words(answer.body, t))
    slot = when(answer.body["slot_start"], t.language)
    return back_to(here, message=t(said).format(slot=slot))


class RebookingPage(Controller):
    path = "/portal/bookings/{booking_id:str}"
    include_in_schema = False

    @post("/rebooking/accept")
    async def accept(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        """Keep the hour the gate moved the booking to (the API's acceptRebooking)."""
        t = translator(request)
        try:
            form = decode_form(data, RebookingAccept)
        except DomainError as error:
            return back_to(f"/portal/bookings/{booking_id}", error=error_words(error, t))

        async def change(uow: UnitOfWork, enterprise_id: str, who: EnterpriseUser) -> Booking:
            return await rebooking_answers.accept_rebooking(
                uow, enterprise_id, booking_id, form.version, utc_now(), who.actor
            )

        return await _act(request, booking_id, uow, platform, data, change, "rebooking_accepted")

    @post("/rebooking/choose")
    async def choose(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        """Move the booking the gate moved to the hour chosen in the page's calendar (the
        API's chooseAfterRebooking)."""
        t = translator(request)
        try:
            form = decode_form(data, RebookingChoose)
        except DomainError as error:
            return back_to(f"/portal/bookings/{booking_id}", error=error_words(error, t))
        rules = BookingRules(utc_now(), platform.horizon, platform.settings.no_show_policy)

        async def change(uow: UnitOfWork, enterprise_id: str, who: EnterpriseUser) -> Booking:
            return await rebooking_answers.choose_after_rebooking(
                uow, enterprise_id, booking_id, form.slot_start, form.version, rules, who.actor
            )

        return await _act(request, booking_id, uow, platform, data, change, "booking_moved")

    @post("/latest-acceptable")
    async def latest(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        """The latest hour a move of the gate may take the booking to; empty for none (the
        API's setLatestAcceptable)."""
        t = translator(request)
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        try:
            latest = local_time(data, FIELD)
            form = decode_form({**data, FIELD: ""}, LatestAcceptable, latest_acceptable_at=latest)
            # Checked here too, before the form's key keeps an answer: a refusal is then said
            # with its reason (a stored answer keeps only the problem's body).
            booking = await get_booking(uow, acting_enterprise(who, Action.RESCHEDULE), booking_id)
            check_latest_acceptable(latest, booking.slot_start)
        except DomainError as error:
            return back_to(f"/portal/bookings/{booking_id}", error=error_words(error, t))

        async def change(uow: UnitOfWork, enterprise_id: str, who: EnterpriseUser) -> Booking:
            return await rebooking_answers.set_latest_acceptable(
                uow, enterprise_id, booking_id, latest, form.version, who.actor
            )

        return await _act(
            request, booking_id, uow, platform, data, change, "latest_acceptable_saved"
        )

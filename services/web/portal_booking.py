"""The portal's booking form: a week's calendar of free places of a gate and direction (full
and closed hours shown as such, not offered) and the truck, driver and cargo. Its post is
acted on once per drawn form (services/web/form_once.py): a double click lands on the
booking. A refused post draws the form again as it was sent, with the reason in the page's
language and a 4xx status; nothing is stored."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action, acting_enterprise
from gate.accounts.principal import EnterpriseUser
from gate.bookings import service as bookings
from gate.bookings.calendar import Calendar, free_places
from gate.domain.errors import DomainError
from gate.domain.plates import format_plate
from gate.domain.slots import Direction
from gate.domain.time import LOCAL_TZ, accepted_instant, utc_now
from gate.fleet import grants
from gate.fleet import service as fleet
from gate.gates import service as gates
from gate.gates.calendar import parse_direction
from gate.store.unit_of_work import UnitOfWork
from services.api.bookings.schemas import BookingCreate, CargoInput
from services.api.throttle import booking_write
from services.platform import Platform
from services.web import locale_format
from services.web.booking_words import closed_words, error_words, problem_words
from services.web.form_once import FORM_KEY, new_form_key, post_once
from services.web.forms import decode_form, local_time
from services.web.i18n import Translator
from services.web.public import require_browser
from services.web.render import back_to, page, translator

DEFAULT_GATE = "tan-thanh"


def local_day(value: str | None) -> date:
    """The day asked for on the gates' clock; today when none, or none the platform accepts
    (not a date, or one whose hours lie outside the accepted window of times): a calendar
    asked for a day it cannot show shows today's week."""
    today = utc_now().astimezone(LOCAL_TZ).date()
    try:
        day = date.fromisoformat(value) if value else today
        accepted_instant(datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_TZ))
    except (ValueError, DomainError):
        return today
    return day


def day_words(t: Translator) -> Any:
    """A function writing a local day as the calendar heads its columns: the weekday, the day
    and the month in the page's language, as Babel's CLDR data write them (``Th 2, 1 thg 12``,
    ``Mon, Dec 1``, ``12月1日周一``: services/web/locale_format.py)."""

    def words(value: date) -> str:
        return locale_format.day(value, t.language, weekday=True)

    return words


def calendar_context(
    request: Request[Any, Any, Any],
    calendar: Calendar,
    platform: Platform,
    path: str,
    here: dict[str, str],
) -> dict[str, Any]:
    """What ``portal/calendar.html`` needs besides the calendar: its day headings, a closed
    hour's words, the peak hours (GATE_PEAK_HOURS), and the links to the week before and
    after (the page at ``path`` with ``here``, its other query values), each only where the
    horizon leaves a day to show."""
    t = translator(request)
    first, last = calendar.days[0], calendar.days[-1]
    now = utc_now()
    today = now.astimezone(LOCAL_TZ).date()
    horizon_last = (now + platform.horizon - timedelta(microseconds=1)).astimezone(LOCAL_TZ).date()

    def link(day: date) -> str:
        return f"{path}?{urlencode({**here, 'day': day.isoformat()})}"

    return {
        "calendar": calendar,
        "day_words": day_words(t),
        "local_tz": LOCAL_TZ,
        "closed_words": lambda reason: closed_words(reason, t),
        "earlier": link(max(today, first - timedelta(days=7))) if first > today else None,
        "later": link(last + timedelta(days=1)) if last < horizon_last else None,
        # Issue 18: the peak hours' rows are marked (a high no-show rate limits them).
        "peak_hours": platform.settings.peak_hours,
    }


class BookPages(Controller):
    path = "/portal/book"
    include_in_schema = False

    @get("/")
    async def book_page(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """The calendar of free places of a gate and direction for a week from ``day``, and
        the booking form. An unknown gate is a 404, a direction the page does not know a
        422 naming it, as in the API."""
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        enterprise_id = acting_enterprise(who, Action.BOOK)
        chosen = {name: str(value) for name, value in request.query_params.items()}
        return await form_page(request, uow, platform, who, enterprise_id, chosen)

    @post("/")
    async def book(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        """Book from the form, once per drawn form: the booking's page, also for the
        second post of a double click; the form again as sent, with the reason, when
        refused (409 full, closed or the truck already booked; 422 a wrong value; 429)."""
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        enterprise_id = acting_enterprise(who, Action.BOOK)
        t = translator(request)
        try:
            # The cargo's fields sit flat in the form; the API nests them.
            cargo = decode_form(
                data,
                CargoInput,
                perishable=data.get("perishable") == "on",
                spoil_by=local_time(data, "spoil_by"),
            )
            latest = local_time(data, "latest_acceptable_at")
            new = decode_form(
                {**data, "latest_acceptable_at": ""},
                BookingCreate,
                cargo=cargo,
                latest_acceptable_at=latest,
            ).new_booking()
            # Counted before the key is claimed, as in the API: a refusal here is not the
            # form's answer, and the post sent again after a pause is acted on.
            await booking_write(platform, enterprise_id)
        except DomainError as error:
            status = 429 if error.code == "too-many-requests" else 422
            return await form_page(
                request, uow, platform, who, enterprise_id, data, error_words(error, t), status
            )
        rules = bookings.BookingRules(utc_now(), platform.horizon, platform.settings.no_show_policy)

        async def make() -> tuple[int, dict[str, Any]]:
            booking = await bookings.create_booking(
                uow, enterprise_id, new, rules, who.actor, gates=platform.gates
            )
            return 201, {"id": booking.id, "code": booking.code}

        answer = await post_once(request, uow, platform, enterprise_id, data, make)
        if answer.refused:
            words = problem_words(answer.body, t)
            return await form_page(
                request, uow, platform, who, enterprise_id, data, words, answer.status
            )
        return back_to(f"/portal/bookings/{answer.body['id']}", message=answer.body["code"])


async def form_page(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    platform: Platform,
    who: EnterpriseUser,
    enterprise_id: str,
    chosen: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Template:
    """The booking form with the week's calendar, its fields as ``chosen`` (the query of a
    link, or a refused post's form) and a new form key; ``error`` shown above it."""
    code = chosen.get("gate") or DEFAULT_GATE
    # A direction the page does not know is a 422 naming it, as in the API.
    direction = parse_direction(chosen.get("direction") or Direction.EXPORT.value)
    first = local_day(chosen.get("day") or _day_of(chosen.get("slot_start")))
    calendar = await free_places(uow, code, direction, first, horizon=platform.horizon)
    here = {"gate": code, "direction": direction.value}
    extra: dict[str, Any] = {"error": error} if error else {}
    return page(
        request,
        "portal/book.html",
        who,
        status_code=status_code,
        gates=await gates.list_gates(uow),
        gate_code=code,
        direction=direction.value,
        chosen=chosen,
        form_key=new_form_key(),
        form_key_field=FORM_KEY,
        # Our own trucks and those a live grant lets us book.
        vehicles=await grants.bookable_vehicles(uow, enterprise_id, utc_now()),
        drivers=await fleet.list_drivers(uow, enterprise_id),
        format_plate=format_plate,
        **calendar_context(request, calendar, platform, "/portal/book", here),
        **extra,
    )


def _day_of(slot_start: str | None) -> str | None:
    """The local day of a refused form's chosen hour, so its week is the one drawn again."""
    if not slot_start:
        return None
    try:
        return datetime.fromisoformat(slot_start).astimezone(LOCAL_TZ).date().isoformat()
    except (ValueError, OverflowError):
        return None

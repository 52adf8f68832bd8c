"""The portal's list of bookings: filters (days, status, gate, direction), one search box
(a plate or part of one, or a booking code) and the same rows as a CSV file for Excel (UTF-8
with its byte order mark, headed and worded in the page's language). A filter the list cannot
take draws the list again with the reason and a 422, as typed; the file answers it as a
problem (a page for a browser)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.response import Template

from gate.accounts.permissions import Action, acting_enterprise
from gate.accounts.principal import EnterpriseUser
from gate.bookings.search import FILE_ROWS, PAGE_ROWS, BookingSearch, FoundBooking, find_bookings
from gate.domain.bookings import BookingStatus
from gate.domain.errors import DomainError, ValidationFailed
from gate.domain.locale import gate_code, gate_name
from gate.domain.plates import format_plate
from gate.domain.time import LOCAL_TZ, accepted_day, as_local, utc_now
from gate.driver_page.road import roads
from gate.fees.reads import fees_of
from gate.gates import service as gates
from gate.gates.calendar import parse_direction
from gate.store.unit_of_work import UnitOfWork
from services.api.driver.schemas import RoadView
from services.platform import Platform
from services.web.i18n import Translator
from services.web.names import status_words
from services.web.portal_no_shows import standing_shown
from services.web.public import require_browser
from services.web.render import page, translator

# Excel opens a CSV as UTF-8 only when it starts with the byte order mark; without it the
# Vietnamese and Chinese words come out garbled.
BOM = "\ufeff"
# A text cell starting so is a formula to a spreadsheet: a cargo description "=HYPERLINK(…)"
# typed by anyone must stay text in the enterprise's Excel (OWASP, "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "booking_code",
    "plate",
    "trailer_plate",
    "gate",
    "direction",
    "slot",
    "status",
    "driver",
    "cargo",
    "weight_kg",
    "hs_code",
    "declaration",
    "perishable",
    "arrived_at",
    "exited_at",
)
FILTERS = ("from", "to", "status", "gate", "direction", "q")


def search_of(query: Mapping[str, str]) -> BookingSearch:
    """The list's filters from a query: ``from`` and ``to`` (local days, YYYY-MM-DD),
    ``status``, ``gate`` (a code), ``direction`` and ``q``; none given: from two days ago
    on, so the trucks still on their way are at the top. ValidationFailed naming the field
    for a value the list cannot take."""
    given = {name: (query.get(name) or "").strip() for name in FILTERS}
    first = accepted_day(given["from"], "from") if given["from"] else None
    last = accepted_day(given["to"], "to") if given["to"] else None
    if not any(given.values()):
        first = utc_now().astimezone(LOCAL_TZ).date() - timedelta(days=2)
    status = None
    if given["status"]:
        try:
            status = BookingStatus(given["status"])
        except ValueError:
            raise ValidationFailed("status is a booking's status", field="status") from None
    direction = parse_direction(given["direction"]) if given["direction"] else None
    return BookingSearch(first, last, status, given["gate"] or None, direction, given["q"] or None)


def _cell(value: Any) -> Any:
    """A CSV cell: numbers as they are (a whole weight without its ".0"), text never read
    as a formula."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def _time(moment: datetime | None) -> str:
    return as_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def as_csv(found: list[FoundBooking], t: Translator, gate_rows: Iterable[Any] = ()) -> str:
    """The bookings as CSV text for Excel: the BOM, a header row in the language of ``t``,
    a row each (local times, statuses and directions in words, each gate by its name in
    that language as ``gate_rows`` give it)."""
    names = {gate_code(g): gate_name(g, t.language) for g in gate_rows}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([t(column) for column in COLUMNS])
    for row in found:
        b = row.booking
        writer.writerow(
            _cell(value)
            for value in (
                b.code,
                format_plate(b.plate),
                format_plate(b.trailer_plate) if b.trailer_plate else "",
                names.get(row.gate_code, row.gate_name),
                t(b.direction),
                _time(b.slot_start),
                status_words(t, b.status, b.direction),
                row.driver_name,
                b.cargo_description,
                b.weight_kg,
                b.hs_code,
                b.declaration_number,
                t("yes") if b.perishable else t("no"),
                _time(b.arrived_at),
                _time(b.exited_at),
            )
        )
    return BOM + out.getvalue()


class BookingsList(Controller):
    path = "/portal"
    include_in_schema = False

    @get("/")
    async def home(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """The enterprise's bookings as the filters find them, at most PAGE_ROWS."""
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        enterprise_id = acting_enterprise(who, Action.READ_OWN_BOOKINGS)
        query = {name: str(request.query_params.get(name) or "") for name in FILTERS}
        context: dict[str, Any] = {
            "filters": query,
            # gate_name_of (services/web/names.py) names each row's gate by these rows.
            "gate_rows": await gates.list_gates(uow),
            "statuses": [s.value for s in BookingStatus],
            "page_rows": PAGE_ROWS,
            "standing": await standing_shown(uow, enterprise_id, platform.settings.no_show_policy),
        }
        try:
            found = await find_bookings(uow, enterprise_id, search_of(query))
        except DomainError as error:
            t = translator(request)
            field = error.extensions.get("field")
            if error.code == "not-found":
                words, status = t("not_found_hint"), 404
            else:
                words, status = t(f"wrong_{field}" if field else "booking_refused"), 422
            return page(
                request,
                "portal/home.html",
                who,
                status_code=status,
                error=words,
                bookings=[],
                **context,
            )
        on_road = await roads(uow, [row.booking.id for row in found], utc_now())
        fees = await fees_of(uow, [row.booking.id for row in found])
        items = [
            {
                "row": row.booking,
                "gate": row.gate_code,
                "plate": format_plate(row.booking.plate),
                "slot": as_local(row.booking.slot_start),
                "road": RoadView.of_any(on_road[row.booking.id]),
                "fee": fees.get(row.booking.id),
            }
            for row in found
        ]
        export = "/portal/bookings.csv?" + urlencode({k: v for k, v in query.items() if v})
        return page(request, "portal/home.html", who, bookings=items, export=export, **context)

    @get("/bookings.csv")
    async def export(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Response[str]:
        """The bookings the same filters find, at most FILE_ROWS, as CSV for Excel."""
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        enterprise_id = acting_enterprise(who, Action.READ_OWN_BOOKINGS)
        query = {name: str(request.query_params.get(name) or "") for name in FILTERS}
        found = await find_bookings(uow, enterprise_id, search_of(query), limit=FILE_ROWS)
        made = utc_now().astimezone(LOCAL_TZ).strftime("%Y-%m-%d")
        return Response(
            as_csv(found, translator(request), await gates.list_gates(uow)),
            # Litestar adds "; charset=utf-8" to a text/ type itself.
            media_type="text/csv",
            headers={"content-disposition": f'attachment; filename="bookings-{made}.csv"'},
        )

"""The portal's declaration amendment (issue 18): on a booked booking's page, a form with the
declaration as it stands (cargo, weight, perishable, HS code, declaration number, driver),
posted once per drawn form (services/web/form_once.py), and the declaration's versions with
what changed. Refusals come back to the page in its language: after check-in, changed
meanwhile, a value the booking form would refuse too, or nothing changed."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect

from gate.accounts.permissions import Action, acting_enterprise
from gate.accounts.principal import EnterpriseUser
from gate.bookings import declarations
from gate.bookings import service as bookings
from gate.domain.bookings import BookingStatus
from gate.domain.errors import DomainError
from gate.domain.time import utc_now
from gate.fleet import service as fleet
from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork
from services.api.bookings.declaration_schemas import DeclarationAmend
from services.api.bookings.schemas import CargoInput
from services.api.throttle import booking_write
from services.platform import Platform
from services.web.booking_words import error_words, problem_words
from services.web.declaration_words import PORTAL_ACTORS, version_words
from services.web.form_once import new_form_key, post_once
from services.web.forms import decode_form, local_time
from services.web.i18n import Translator
from services.web.public import require_browser
from services.web.render import back_to, translator


async def declaration_context(
    uow: UnitOfWork, booking: Booking, enterprise_id: str, t: Translator
) -> dict[str, Any]:
    """What ``portal/booking.html`` shows of the declaration: its versions in words when it
    was amended (``declaration_versions``), and while booked the amendment form's drivers
    and its own form key."""
    versions = await declarations.declaration_versions(uow, booking)
    names = await declarations.driver_names(uow, versions)
    context: dict[str, Any] = {
        "declaration_versions": version_words(versions, names, t, PORTAL_ACTORS)
        if len(versions) > 1
        else []
    }
    if booking.status == BookingStatus.BOOKED.value and booking.cargo_description is not None:
        context["declaration_drivers"] = await fleet.list_drivers(uow, enterprise_id)
        context["declaration_form_key"] = new_form_key()
    return context


class DeclarationPage(Controller):
    path = "/portal/bookings/{booking_id:str}"
    include_in_schema = False

    @post("/declaration")
    async def amend(
        self,
        request: Request[Any, Any, Any],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        """Amend the booking's declaration from the form, once per drawn form; back to the
        booking with the new version's number, or with the reason in the page's words."""
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        enterprise_id = acting_enterprise(who, Action.BOOK)
        here = f"/portal/bookings/{booking_id}"
        t = translator(request)
        try:
            # The cargo's fields sit flat in the form, as in the booking form; the API nests them.
            cargo = decode_form(
                data,
                CargoInput,
                perishable=data.get("perishable") == "on",
                spoil_by=local_time(data, "spoil_by"),
            )
            form = decode_form(data, DeclarationAmend, cargo=cargo)
        except DomainError as error:
            return back_to(here, error=error_words(error, t))
        try:
            await booking_write(platform, enterprise_id)
        except DomainError as error:
            return back_to(here, error=error_words(error, t))

        async def amend() -> tuple[int, dict[str, Any]]:
            await declarations.amend_declaration(
                uow, enterprise_id, booking_id, form.amendment(), form.version, who.actor, utc_now()
            )
            return 200, {"version": await declarations.latest_version(uow, booking_id)}

        answer = await post_once(request, uow, platform, enterprise_id, data, amend)
        if answer.refused:
            reason = await _reason(uow, enterprise_id, booking_id, form, answer.body)
            return back_to(here, error=reason or problem_words(answer.body, t))
        return back_to(
            here, message=t("declaration_amended").format(version=answer.body["version"])
        )


async def _reason(
    uow: UnitOfWork,
    enterprise_id: str,
    booking_id: str,
    form: DeclarationAmend,
    problem: dict[str, Any],
) -> DomainError | None:
    """The refusal with its reason (after check-in, nothing changed: ``why``, which the
    stored answer's problem body does not keep), asked again of the booking as it is now,
    when it is the refusal the form got; else None and the page says the problem's type."""
    try:
        booking = await bookings.get_booking(uow, enterprise_id, booking_id)
        declarations.amended_declaration(booking, form.amendment(), utc_now())
    except DomainError as error:
        if str(problem.get("type", "")).endswith("/" + error.code):
            return error
    return None

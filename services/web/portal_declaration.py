"""The portal's declaration amendment (issue 18): on a booked booking's page, a form with the
declaration as it stands (cargo, weight, perishable, HS code, declaration number, driver),
posted once per drawn form (services/web/form_once.py), and the declaration's versions with
what changed. A refusal draws the booking's page again with the form as it was typed and the
reason in the page's language (issue 16: it went back to the old values), its status the
problem's (422 a value the booking form would refuse too, 409 after check-in, changed
meanwhile or nothing changed, 429): nothing typed is lost, none of it in an address. The
form's values: services/web/declaration_form.py."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action, acting_enterprise
from gate.accounts.principal import EnterpriseUser
from gate.bookings import declarations
from gate.bookings import service as bookings
from gate.domain.errors import DomainError
from gate.domain.time import utc_now
from gate.store.unit_of_work import UnitOfWork
from services.api.bookings.declaration_schemas import DeclarationAmend
from services.api.bookings.schemas import CargoInput
from services.api.throttle import booking_write
from services.platform import Platform
from services.web.booking_words import error_words, problem_words
from services.web.form_once import post_once
from services.web.forms import decode_form, local_time
from services.web.portal_booking_page import booking_view
from services.web.public import require_browser
from services.web.render import back_to, refused, translator


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
    ) -> Redirect | Template:
        """Amend the booking's declaration from the form, once per drawn form; back to the
        booking with the new version's number, or its page again as typed with the reason
        in the page's words."""
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        enterprise_id = acting_enterprise(who, Action.BOOK)
        here = f"/portal/bookings/{booking_id}"
        t = translator(request)

        async def again(words: str, status: int) -> Template:
            return await booking_view(
                request,
                uow,
                who,
                enterprise_id,
                booking_id,
                platform,
                status_code=status,
                declaration_sent=data,
                error=words,
            )

        try:
            # The cargo's fields sit flat in the form, as in the booking form; the API nests them.
            cargo = decode_form(
                data,
                CargoInput,
                perishable=data.get("perishable") == "on",
                spoil_by=local_time(data, "spoil_by"),
            )
            form = decode_form(data, DeclarationAmend, cargo=cargo)
            await booking_write(platform, enterprise_id)
        except DomainError as error:
            status = 429 if error.code == "too-many-requests" else 422
            return await again(error_words(error, t), status)

        async def amend() -> tuple[int, dict[str, Any]]:
            await declarations.amend_declaration(
                uow, enterprise_id, booking_id, form.amendment(), form.version, who.actor, utc_now()
            )
            return 200, {"version": await declarations.latest_version(uow, booking_id)}

        answer = await post_once(request, uow, platform, enterprise_id, data, amend)
        if answer.refused:
            reason = await _reason(uow, enterprise_id, booking_id, form, answer.body)
            words = refused(request, reason)[0] if reason else problem_words(answer.body, t)
            return await again(words, answer.status)
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

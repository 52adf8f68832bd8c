"""The console's no-shows of a gate (issue 18, no-show accountability): the bookings that
lapsed unused within the rate's window, latest first, and a form to excuse one with a reason
(the API's excuseNoShow, by the same use case). An excused no-show leaves its enterprise's
no-show rate, and so its share of the peak hours (gate/domain/no_shows.py). Officers only: the
page names plates and enterprises."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action
from gate.accounts.principal import Officer
from gate.bookings import no_shows
from gate.domain.plates import format_plate
from gate.domain.time import as_local, utc_now
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork
from services.api.bookings.no_shows import NoShowExcuseCreate
from services.platform import Platform
from services.web.console import officer_at_gate
from services.web.forms import Again, decode_form, run_form
from services.web.page_words import Note
from services.web.render import Typed, page


class ConsoleNoShowsController(Controller):
    path = "/console"
    include_in_schema = False

    @get("/{code:str}/no-shows")
    async def no_shows_page(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """The gate's no-shows in the window (the latest 100), each with its excuse or a form
        to give one."""
        who, gate = await officer_at_gate(request, platform, uow, code, Action.EXCUSE_NO_SHOW)
        return await _no_shows_view(request, uow, platform, who, gate)

    @post("/{code:str}/no-shows/{booking_id:str}/excuse")
    async def excuse(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        booking_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        """Excuse one no-show with the reason typed (required, 300 characters at most); back
        to the page with what was done; a refusal draws the page again with the reason as
        typed and why not, in the page's language (issue 16)."""
        who, gate = await officer_at_gate(request, platform, uow, code, Action.EXCUSE_NO_SHOW)

        async def act() -> Note:
            form = decode_form({"reason": (data.get("reason") or "").strip()}, NoShowExcuseCreate)
            booking = await no_shows.excuse_no_show(
                uow, gate, booking_id, no_shows.Excuse(form.reason), utc_now(), who.actor
            )
            return Note("note_no_show_excused", booking.code)

        async def draw(words: str, status: int) -> Template:
            typed = Typed(request.url.path, data)
            return await _no_shows_view(
                request, uow, platform, who, gate, error=words, typed=typed, status_code=status
            )

        again = Again(request, draw)
        return await run_form(uow, f"/console/{gate.code}/no-shows", act, again=again)


async def _no_shows_view(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    platform: Platform,
    who: Officer,
    gate: Gate,
    **extra: Any,
) -> Template:
    """The gate's no-shows page; ``extra`` to ``page`` (a refused excuse's words, what was
    typed, its status)."""
    policy = platform.settings.no_show_policy
    found = await no_shows.gate_no_shows(uow, gate, utc_now(), policy)
    rows = [
        {
            "id": item.booking.id,
            "code": item.booking.code,
            "plate": format_plate(item.booking.plate),
            "slot": as_local(item.booking.slot_start),
            "direction": item.booking.direction,
            "enterprise": item.enterprise_name,
            "excused_at": item.booking.no_show_excused_at,
            "excuse": item.booking.no_show_excuse,
        }
        for item in found
    ]
    return page(
        request,
        "console/no_shows.html",
        who,
        gate=gate,
        no_shows=rows,
        window_days=policy.window.days,
        **extra,
    )

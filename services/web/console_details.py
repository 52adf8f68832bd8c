"""The console's forms of issue 16: an hour's capacity changed with a warning when it falls
below the hour's bookings, confirmed before it is saved, and a notice withdrawn before its
expiry. (What the page shows for them: services/web/console_context.py.)

The capacity form posts once; a capacity below the hour's bookings is not saved but sent back
to the page as a question (``capacity_at``, ``capacity`` in the query), which shows the hour's
figures as they are then and a button that posts the same change with ``confirm=true``. No
script is needed, and a page reloaded or opened later asks again with fresh figures. The API
answers the change with the count instead (docs/architecture.md, "Capacity below the
bookings")."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect

from gate.accounts.permissions import Action
from gate.bookings.calendar_changes import set_slot_capacity
from gate.domain.errors import BookingsAboveCapacity, DomainError, ValidationFailed
from gate.domain.locale import when
from gate.domain.time import utc_now
from gate.notices import service as notices
from gate.store.unit_of_work import UnitOfWork
from services.api.gates.schemas import CapacityOverride
from services.platform import Platform
from services.web.console import here_of, officer_at_gate
from services.web.forms import decode_form, run_form
from services.web.render import back_to, translator


class ConsoleDetailsController(Controller):
    path = "/console"
    include_in_schema = False

    @post("/{code:str}/capacity")
    async def capacity(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        """Change one hour's capacity (gate operators: a lane team missing, the other side
        slowing down; the API's overrideSlotCapacity, by the same rule). Below the hour's
        bookings it is saved only with ``confirm=true``; otherwise the page asks first. The
        bookings above it are rebooked at once (docs/architecture.md, "Fair rebooking")."""
        who, _ = await officer_at_gate(request, platform, uow, code, Action.OVERRIDE_CAPACITY)
        here = here_of(code, data)
        try:
            form = decode_form(data, CapacityOverride, direction=data.get("direction") or "export")
            if form.capacity is None:  # the API's null: the console's form always sets one
                raise ValidationFailed("capacity is required", field="capacity")
            async with uow.savepoint():
                change, moves = await set_slot_capacity(
                    uow,
                    code,
                    form.direction,
                    form.starts_at,
                    form.capacity,
                    now=utc_now(),
                    horizon=platform.horizon,
                    actor=who.actor,
                    confirmed=data.get("confirm") == "true",
                )
        except BookingsAboveCapacity:
            # Nothing saved (the savepoint is undone): the page asks, with the figures then.
            asked = {"capacity_at": form.starts_at.isoformat(), "capacity": str(form.capacity)}
            return Redirect(path=f"{here}&{urlencode(asked)}#capacity-question", status_code=303)
        except DomainError as error:
            return back_to(here, error=error)  # its codes, said in the page's language
        t = translator(request)
        message = f"{when(change.starts_at, t.language)} → {change.after}"
        if change.above:
            words = t("capacity_rebooked")
            message += " · " + words.format(moved=moves.moved, cancelled=moves.cancelled)
        return back_to(here, message=message)

    @post("/{code:str}/notices/{notice_id:str}/withdraw")
    async def withdraw_notice(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        notice_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        """Take a notice off the board before its expiry (the API's withdrawNotice): the
        boards drop it at once; audited with the officer."""
        who, gate = await officer_at_gate(request, platform, uow, code, Action.POST_NOTICES)

        async def act() -> str:
            notice = await notices.withdraw_notice(uow, gate, notice_id, who.actor, utc_now())
            return translator(request)("notice_withdrawn") + ": " + notice.text

        return await run_form(uow, here_of(code, data), act)

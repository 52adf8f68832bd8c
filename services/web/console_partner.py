"""The console's page of the partner gate's announcements (issue 18): officers of the gate
enter what the other side announced by phone or letter (its capacity per hour over a span of
hours, or a closure), see what is recorded (withdrawn ones too) and withdraw one. The same
use cases as the API's (gate/gates/partner.py), the form held to the API's input
(PartnerAnnouncementCreate); times are the gates' clock (datetime-local fields)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action, allowed, at_gate
from gate.accounts.principal import Officer
from gate.bookings import partner_changes
from gate.domain.errors import ValidationFailed
from gate.domain.partner import PartnerSource
from gate.domain.time import as_local, utc_now
from gate.gates import partner
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork
from services.api.gates.partner_schemas import PartnerAnnouncementCreate, PartnerWithdrawal
from services.platform import Platform
from services.web.console import officer_at_gate
from services.web.forms import Again, decode_form, local_time, run_form
from services.web.page_words import Note
from services.web.render import Typed, page

# The sources an officer enters (the feed posts through the API).
FORM_SOURCES = (PartnerSource.PHONE, PartnerSource.LETTER, PartnerSource.OTHER)


def _path(code: str) -> str:
    return f"/console/{code}/partner"


class ConsolePartnerController(Controller):
    path = "/console"
    include_in_schema = False

    @get("/{code:str}/partner")
    async def announcements(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """The announcements still running or to come, the latest announced first, and the
        form to enter one (for those the rule book lets)."""
        who, gate = await officer_at_gate(
            request, platform, uow, code, Action.READ_PARTNER_CAPACITY
        )
        return await _partner_view(request, uow, who, gate)

    @post("/{code:str}/partner")
    async def announce(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        """Enter what the partner announced (the API's announcePartnerCapacity); refused,
        the page drawn again with what was typed and why (issue 16)."""
        who, gate = await officer_at_gate(
            request, platform, uow, code, Action.ANNOUNCE_PARTNER_CAPACITY
        )

        async def act() -> Note:
            form = decode_form(
                data,
                PartnerAnnouncementCreate,
                starts_at=local_time(data, "starts_at"),
                ends_at=local_time(data, "ends_at"),
                announced_at=local_time(data, "announced_at"),
                reference=(data.get("reference") or "").strip() or None,
            )
            if form.source is PartnerSource.PARTNER_FEED:
                # The feed posts through the API; a person entering it names how it came.
                raise ValidationFailed("the feed posts itself", why="not-a-choice", field="source")
            now = utc_now()
            done, _ = await partner_changes.announce(
                uow, code, form.new(now), who.actor, now=now, horizon=platform.horizon
            )
            return Note("note_partner_announced", str(done.announcement.capacity))

        again = _partner_again(request, uow, who, gate, data)
        return await run_form(uow, _path(code), act, again=again)

    @post("/{code:str}/partner/{announcement_id:str}/withdraw")
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        announcement_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        """Withdraw an announcement with a reason (the API's withdrawPartnerAnnouncement);
        refused, the page drawn again with the reason as typed and why (issue 16)."""
        who, gate = await officer_at_gate(
            request, platform, uow, code, Action.ANNOUNCE_PARTNER_CAPACITY
        )

        async def act() -> Note:
            form = decode_form(
                data, PartnerWithdrawal, reason=(data.get("reason") or "").strip() or None
            )
            await partner_changes.withdraw(
                uow,
                code,
                announcement_id,
                form.reason,
                who.actor,
                now=utc_now(),
                horizon=platform.horizon,
            )
            return Note("note_partner_withdrawn")

        again = _partner_again(request, uow, who, gate, data)
        return await run_form(uow, _path(code), act, again=again)


async def _partner_view(
    request: Request[Any, Any, Any], uow: UnitOfWork, who: Officer, gate: Gate, **extra: Any
) -> Template:
    """The gate's partner announcements page; ``extra`` to ``page`` (a refused form's words,
    what was typed, its status)."""
    return page(
        request,
        "console/partner.html",
        who,
        gate=gate,
        announcements=await partner.announcements(uow, gate.code, utc_now()),
        may_announce=allowed(who, Action.ANNOUNCE_PARTNER_CAPACITY, at_gate(gate.id)),
        sources=[s.value for s in FORM_SOURCES],
        local=as_local,
        **extra,
    )


def _partner_again(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    who: Officer,
    gate: Gate,
    form: Mapping[str, str],
) -> Again:
    """The page a refused form of it is answered with, holding what was typed in it."""

    async def draw(words: str, status: int) -> Template:
        typed = Typed(request.url.path, form)
        return await _partner_view(
            request, uow, who, gate, error=words, typed=typed, status_code=status
        )

    return Again(request, draw)

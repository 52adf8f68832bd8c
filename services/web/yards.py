"""The waiting yard's console (bàn làm việc bến bãi): a yard enterprise's staff see each of
their yards' occupancy against its capacity, the trucks in it with their dispatch orders and
deadlines, the trucks gone on the road under an order, and check trucks in and out by hand.
The officers of a gate the yard serves may read it too (the rule book's READ_YARD_VISITS);
the forms show for those who may use them (RUN_YARD). It refreshes its list by short
polling of its own part (no yard channel exists; docs/architecture.md says why)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action, Context, allowed, at_yard, require
from gate.accounts.principal import EnterpriseUser, Officer
from gate.domain.plates import format_plate
from gate.domain.slots import Direction
from gate.domain.time import as_local, utc_now
from gate.gates.calendar import gate_by_code
from gate.gates.service import list_gates
from gate.store.tables import Yard
from gate.store.unit_of_work import UnitOfWork
from gate.yards import service
from gate.yards.console import trucks_of_yard
from gate.yards.visits import WalkInTo, check_truck_read, enter, leave, visit_in_yard
from services.api.yards.schemas import VisitCreate
from services.common.session import browser_principal
from services.platform import Platform
from services.web.forms import Again, decode_form, run_form
from services.web.page_words import Note
from services.web.public import SignInRequired
from services.web.render import Typed, page

AREA = "/yards"


async def _person(request: Request[Any, Any, Any], platform: Platform) -> EnterpriseUser | Officer:
    """A person signed in (a yard enterprise's user or an officer); SignInRequired otherwise.
    What they may do at a yard is the rule book's to say."""
    principal = await browser_principal(request, platform)
    if not isinstance(principal, EnterpriseUser | Officer):
        raise SignInRequired(AREA)
    return principal


class YardConsoleController(Controller):
    path = AREA
    include_in_schema = False

    @get("/")
    async def home(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template | Redirect:
        """The yards this person may read; straight to the yard when there is one."""
        who = await _person(request, platform)
        mine = []
        for found in await service.list_yards(uow):
            gate_ids = await service.gate_ids_of(uow, found.yard.id)
            here = at_yard(found.yard.id, found.yard.enterprise_id, gate_ids)
            if allowed(who, Action.READ_YARD_VISITS, here):
                mine.append(found)
        if len(mine) == 1:
            return Redirect(path=f"{AREA}/{mine[0].yard.code}", status_code=303)
        return page(request, "yards/home.html", who, yards=mine)

    @get("/{code:str}")
    async def yard(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """One yard: occupancy and capacity, its trucks and their orders, the forms."""
        who = await _person(request, platform)
        yard, here = await service.yard_in_context(uow, code)
        require(who, Action.READ_YARD_VISITS, here)
        partial = bool(request.query_params.get("partial"))
        return await _yard_view(request, uow, who, yard, here, partial=partial)

    async def _act(
        self, request: Request[Any, Any, Any], platform: Platform, uow: UnitOfWork, code: str
    ) -> tuple[EnterpriseUser | Officer, Yard, Context]:
        """The signed-in person, the yard (locked) and its place in the rule book, once the
        rule book lets them run it (Forbidden, 403, otherwise)."""
        who = await _person(request, platform)
        yard, here = await service.yard_in_context(uow, code, lock=True)
        require(who, Action.RUN_YARD, here)
        return who, yard, here

    @post("/{code:str}/visits")
    async def check_in(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        """Check a truck in by hand (the API's checkInAtYardByHand, by the same rule): a
        plate (its booking found by it) or a booking code, an optional trailer, and for a
        walk-in the gate and direction it is heading to. Refused, the yard's page drawn
        again with what was typed and why (issue 16)."""
        who, yard, here = await self._act(request, platform, uow, code)

        async def act() -> Note:
            form = decode_form(
                data,
                VisitCreate,
                plate=(data.get("plate") or "").strip() or None,
                trailer_plate=(data.get("trailer_plate") or "").strip() or None,
                booking_code=(data.get("booking_code") or "").strip().upper() or None,
            )
            truck = check_truck_read(form.plate, form.booking_code, form.trailer_plate)
            gate_id = (await gate_by_code(uow, form.gate)).id if form.gate else None
            to = WalkInTo(gate_id, form.direction)
            visit = await enter(uow, yard, truck, at=utc_now(), actor=who.actor, to=to)
            return Note(f"note_visit_{visit.status}", format_plate(visit.plate))

        async def draw(words: str, status: int) -> Template:
            typed = Typed(request.url.path, data)
            return await _yard_view(
                request, uow, who, yard, here, error=words, typed=typed, status_code=status
            )

        return await run_form(uow, f"{AREA}/{yard.code}", act, again=Again(request, draw))

    @post("/{code:str}/visits/{visit_id:str}/exit")
    async def check_out(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        visit_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Redirect:
        """The truck went out of the yard: waiting, its visit ends; dispatched, it is on its
        way to the gate (the API's checkOutOfYardByHand)."""
        who, yard, _ = await self._act(request, platform, uow, code)

        async def act() -> Note:
            visit = await visit_in_yard(uow, yard, visit_id)
            visit = await leave(uow, yard, visit, at=utc_now(), actor=who.actor)
            return Note(f"note_visit_{visit.status}", format_plate(visit.plate))

        return await run_form(uow, f"{AREA}/{yard.code}", act)


async def _yard_view(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    who: EnterpriseUser | Officer,
    yard: Yard,
    here: Context,
    *,
    partial: bool = False,
    **extra: Any,
) -> Template:
    """One yard's page (its part alone for the live refresh, ``partial``); ``extra`` to
    ``page`` (a refused form's words, what was typed, its status)."""
    found = await service.yard_of(uow, yard)
    trucks = await trucks_of_yard(uow, yard)
    return page(
        request,
        "yards/yard_part.html" if partial else "yards/yard.html",
        who,
        yard=yard,
        gate_codes=found.gate_codes,
        gate_rows=await list_gates(uow),
        in_yard=found.in_yard,
        trucks=[t for t in trucks if t.in_yard],
        on_road=[t for t in trucks if not t.in_yard],
        plate=format_plate,
        local=as_local,
        now=utc_now(),
        may_run=allowed(who, Action.RUN_YARD, here),
        directions=[d.value for d in Direction],
        **extra,
    )

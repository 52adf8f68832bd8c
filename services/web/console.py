"""The officer console (bàn làm việc cán bộ): a gate's queue with classes and times, calling
to lanes, inspection and each agency's decision, exit, lanes, an hour's capacity, notices,
camera reads to confirm and checking a truck in by hand. It refreshes itself from the
officer channel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action, acting_officer, allowed, at_gate, require
from gate.accounts.principal import Officer
from gate.checkins.answers import CheckinAnswer
from gate.checkins.manual import ByHand, ManualCheckin, check_in_by_hand
from gate.clearance import service as clearance
from gate.domain.checkin import CheckinOutcome
from gate.domain.errors import LaneOccupied
from gate.domain.slots import Direction
from gate.domain.time import utc_now
from gate.gates import service as gates
from gate.gates.calendar import gate_by_code
from gate.notices import service as notices
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork
from gate.yard import service as queue
from services.api.yard.schemas import (
    ManualCheckinCreate,
    NoticeCreate,
    PauseUpdate,
)
from services.checkins.by_hand import check_in_by_hand_here
from services.platform import Platform
from services.web.console_decision import decision_of
from services.web.console_yard import here_query, yard_again, yard_view
from services.web.forms import Refused, decode_form, run_form
from services.web.page_words import Note
from services.web.public import require_browser
from services.web.render import page, translator

# The rule book's action behind each of the console's forms named in its path; an action the
# console does not know still needs an officer of the gate before it is told so.
LANE_ACTIONS = {
    "call": Action.CALL_NEXT,
    "open": Action.OPEN_CLOSE_LANES,
    "close": Action.OPEN_CLOSE_LANES,
}
VEHICLE_ACTIONS = {
    "inspection": Action.START_INSPECTION,
    "decision": Action.RECORD_DECISION,
    "exit": Action.RECORD_EXIT,
}


async def served_gates(uow: UnitOfWork, who: Officer) -> list[Gate]:
    """The gates whose yard ``who`` may read (the rule book's read-yard), in the gates'
    order: the console's and the statistics page's choice of gates."""
    return [g for g in await gates.list_gates(uow) if allowed(who, Action.READ_YARD, at_gate(g.id))]


class ConsoleController(Controller):
    path = "/console"
    include_in_schema = False

    @get("/")
    async def home(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template | Redirect:
        who = await console_officer(request, platform)
        served = await served_gates(uow, who)
        if len(served) == 1:
            return Redirect(path=f"/console/{served[0].code}", status_code=303)
        return page(request, "console/home.html", who, gates=served)

    @get("/{code:str}")
    async def yard(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template | Redirect:
        who = await console_officer(request, platform)
        gate = await gate_by_code(uow, code)
        require(who, Action.READ_YARD, at_gate(gate.id))
        return await yard_view(request, uow, platform, who, gate, request.query_params)

    @post("/{code:str}/lanes/{lane:str}/{action:str}")
    async def lane_action(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        lane: FromPath[str],
        action: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        needed = LANE_ACTIONS.get(action, Action.READ_YARD)
        who, gate = await officer_at_gate(request, platform, uow, code, needed)
        lane_row = await queue.lane_of_gate(uow, gate, lane)

        async def act() -> str | Note | Refused | None:
            if action == "call":
                # One truck per lane: a lane a truck holds is refused unless forced (the
                # form's "force" box, shown while the lane is held); audited as forced.
                force = data.get("force") == "true"
                try:
                    called = await queue.call_next(
                        uow, gate, lane_row, who.actor, utc_now(), force=force
                    )
                except LaneOccupied as held:
                    # Said in the page's language, naming the truck and the box to tick.
                    words = translator(request)("lane_held_refused")
                    said = words.format(lane=lane, code=held.extensions["booking_code"])
                    return Refused(held.detail, said=said)
                if called:
                    return Note("note_called", called.code)
                # Nobody to call while trucks wait: they are held for their fees, say so.
                unpaid = await queue.held_waiting(uow, gate, Direction(lane_row.direction))
                return Note("note_all_held", str(unpaid)) if unpaid else Note("note_none_waiting")
            if action in {"open", "close"}:
                await queue.set_lane_open(uow, gate, lane_row, is_open=action == "open")
                return None
            return Refused("unknown action")

        return await run_form(uow, here_of(code, data), act)

    @post("/{code:str}/vehicles/{booking_id:str}/{action:str}")
    async def vehicle_action(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        booking_id: FromPath[str],
        action: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        needed = VEHICLE_ACTIONS.get(action, Action.READ_YARD)
        who, gate = await officer_at_gate(request, platform, uow, code, needed)
        now = utc_now()

        async def act() -> str | Note | Refused | None:
            if action == "inspection":
                await clearance.start_inspection(uow, gate, booking_id, who.actor, now)
            elif action == "decision":
                decided = decision_of(data, translator(request))
                if isinstance(decided, Refused):
                    return decided
                await clearance.record_decision(
                    uow, gate, booking_id, who.agency, decided, who.officer_id, who.actor, now
                )
            elif action == "exit":
                await clearance.record_exit(uow, gate, booking_id, who.actor, now)
            else:
                return Refused("unknown action")
            return Note(f"note_{action}")

        again = yard_again(request, uow, platform, who, gate, data)
        return await run_form(uow, here_of(code, data), act, again=again)

    @post("/{code:str}/checkins")
    async def check_in(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        """Check a truck in by hand: a pending read's candidate, or a plate as the officer
        reads it (gate operators and border guards); judged like a camera's read."""
        who, gate = await officer_at_gate(request, platform, uow, code, Action.CHECK_IN_BY_HAND)

        async def act() -> str | Note | Refused | None:
            form = decode_form(
                data,
                ManualCheckinCreate,
                direction=data.get("direction") or "export",
                plate=(data.get("plate") or "").strip() or None,
                trailer_plate=(data.get("trailer_plate") or "").strip() or None,
            )
            wanted = ManualCheckin(
                direction=form.direction.value if form.direction else None,
                booking_id=form.booking_id,
                plate=form.plate,
                trailer_plate=form.trailer_plate,
                pending_read_id=form.pending_read_id,
            )
            if platform.checkins is None:
                answer = await check_in_by_hand(uow, gate, wanted, who.actor, utc_now())
            else:
                # Decided by the gate's pipeline, never beside its batches.
                actor = who.actor
                job = ByHand(actor.kind, actor.id, actor.role, wanted, utc_now())
                reply = await check_in_by_hand_here(platform, uow, gate.id, job)
                answer = msgspec.json.decode(reply.body, type=CheckinAnswer)
            if answer.outcome is CheckinOutcome.REFUSED:
                why = f"checkin-{answer.refusal.value}" if answer.refusal else None
                return Refused(answer.detail or str(answer.refusal), why)
            return Note(f"note_checkin_{answer.outcome.value}", answer.booking_code or "")

        piped = platform.checkins is not None
        again = yard_again(request, uow, platform, who, gate, data)
        return await run_form(uow, here_of(code, data), act, savepoint=not piped, again=again)

    @post("/{code:str}/notices")
    async def notice(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        who, gate = await officer_at_gate(request, platform, uow, code, Action.POST_NOTICES)

        async def act() -> str | Refused | None:
            form = decode_form(data, NoticeCreate, text=(data.get("text") or "").strip() or None)
            await notices.post_notice(uow, gate, form.text, form.expires_at, who.actor, utc_now())
            return form.text

        again = yard_again(request, uow, platform, who, gate, data)
        return await run_form(uow, here_of(code, data), act, again=again)

    @post("/{code:str}/pause")
    async def pause(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        who, gate = await officer_at_gate(request, platform, uow, code, Action.PAUSE_GATE)

        async def act() -> str | Refused | None:
            form = decode_form(data, PauseUpdate, paused=data.get("paused") == "true")
            await notices.set_paused(uow, gate, form.paused, form.reason)
            return None

        again = yard_again(request, uow, platform, who, gate, data)
        return await run_form(uow, here_of(code, data), act, again=again)


async def console_officer(request: Request[Any, Any, Any], platform: Platform) -> Officer:
    """The officer signed in at the console (else to sign in, SignInRequired)."""
    return await require_browser(request, platform, Officer, "/console")


async def officer_at_gate(
    request: Request[Any, Any, Any], platform: Platform, uow: UnitOfWork, code: str, action: Action
) -> tuple[Officer, Gate]:
    """The signed-in officer (else to sign in) and the gate of ``code`` (NotFound, 404), once
    the rule book lets them take ``action`` there (Forbidden, 403, otherwise)."""
    who = await console_officer(request, platform)
    gate = await gate_by_code(uow, code)
    return acting_officer(who, action, gate.id), gate


def here_of(code: str, form: Mapping[str, str]) -> str:
    """The yard page a form came from, in the direction it showed and with its search and
    filter (``console_yard.here_query``); a direction the page does not know is answered
    there, with 422, as a query value."""
    return f"/console/{code}?" + urlencode(here_query(form))

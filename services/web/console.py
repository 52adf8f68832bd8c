"""The officer console (bàn làm việc cán bộ): a gate's queue with classes and times, calling
to lanes, inspection and each agency's decision, exit, lanes, an hour's capacity, notices,
camera reads to confirm and checking a truck in by hand. It refreshes itself from the
officer channel."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action, acting_officer, allowed, at_gate, require
from gate.accounts.principal import Officer
from gate.checkins.manual import ManualCheckin, check_in_by_hand
from gate.clearance import service as clearance
from gate.dispatch.waiting import waiting_trucks
from gate.domain.checkin import CheckinOutcome
from gate.domain.clearance import CustomsChannel
from gate.domain.errors import DomainError, ValidationFailed
from gate.domain.plates import format_plate
from gate.domain.time import LOCAL_TZ, as_local, utc_now
from gate.gates import service as gates
from gate.gates.calendar import gate_by_code, parse_direction
from gate.live.projections import gate_state, officer_board
from gate.notices import service as notices
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork
from gate.yard import service as queue
from services.api.gates.schemas import CapacityOverride
from services.api.yard.schemas import (
    DecisionCreate,
    ManualCheckinCreate,
    NoticeCreate,
    PauseUpdate,
)
from services.platform import Platform
from services.web.forms import decode_form
from services.web.public import require_browser
from services.web.render import back_to, page

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


class ConsoleController(Controller):
    path = "/console"
    include_in_schema = False

    async def _who(self, request: Request[Any, Any, Any], platform: Platform) -> Officer:
        return await console_officer(request, platform)

    @get("/")
    async def home(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template | Redirect:
        who = await self._who(request, platform)
        served = [
            g for g in await gates.list_gates(uow) if allowed(who, Action.READ_YARD, at_gate(g.id))
        ]
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
        who = await self._who(request, platform)
        gate = await gate_by_code(uow, code)
        here = at_gate(gate.id)
        require(who, Action.READ_YARD, here)
        direction = parse_direction(request.query_params.get("direction") or "export")
        now = utc_now()
        board = await officer_board(uow, await gate_state(uow, gate, now, platform.horizon), now)
        lanes = [ln for d in board.directions if d.direction == direction.value for ln in d.lanes]
        waiting = [v for v in board.waiting if v.direction == direction.value]
        # The board lists the head of the queue; the direction's board counts all of it.
        waiting_total = sum(
            d.waiting_total for d in board.directions if d.direction == direction.value
        )
        at_lanes = [v for v in board.at_lanes if v.direction == direction.value]
        template = (
            "console/yard_part.html" if request.query_params.get("partial") else "console/yard.html"
        )
        return page(
            request,
            template,
            who,
            gate=gate,
            direction=direction.value,
            lanes=lanes,
            waiting=waiting,
            waiting_total=waiting_total,
            at_lanes=at_lanes,
            agency=who.agency.value,
            # Which forms the page shows: what the rule book lets this officer do here.
            may=lambda action: allowed(who, Action(action), here),
            channels=[c.value for c in CustomsChannel],
            hours=_next_hours(now),
            agency_minutes=board.agency_minutes,
            paused=gate.paused,
            pending_reads=[
                r for r in board.pending_reads if r.direction in (None, direction.value)
            ],
            dispatched=[
                (order, minutes_left(order.deadline_at, now))
                for order in board.dispatched
                if order.direction == direction.value
            ],
            dispatch=next(d for d in board.dispatch if d.direction == direction.value),
            # The trucks the dispatch would send next: its list to dispatch one by hand.
            plate=format_plate,
            local=as_local,
            waiting_for_dispatch=await waiting_trucks(uow, gate, direction)
            if allowed(who, Action.READ_DISPATCH, here)
            else [],
        )

    async def _act(
        self,
        request: Request[Any, Any, Any],
        platform: Platform,
        uow: UnitOfWork,
        code: str,
        action: Action,
    ) -> tuple[Officer, Gate]:
        """The signed-in officer (else to sign in) and the gate, once the rule book lets
        them take ``action`` there (Forbidden, 403, otherwise)."""
        who = await self._who(request, platform)
        gate = await gate_by_code(uow, code)
        return acting_officer(who, action, gate.id), gate

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
        who, gate = await self._act(request, platform, uow, code, needed)
        here = here_of(code, data)
        lane_row = await queue.lane_of_gate(uow, gate, lane)
        try:
            async with uow.savepoint():
                if action == "call":
                    called = await queue.call_next(uow, gate, lane_row, who.actor, utc_now())
                    return back_to(here, message=called.code if called else "—")
                if action in {"open", "close"}:
                    await queue.set_lane_open(uow, gate, lane_row, is_open=action == "open")
                    return back_to(here)
        except DomainError as error:
            return back_to(here, error=error.detail)
        return back_to(here, error="unknown action")

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
    ) -> Redirect:
        needed = VEHICLE_ACTIONS.get(action, Action.READ_YARD)
        who, gate = await self._act(request, platform, uow, code, needed)
        here = here_of(code, data)
        now = utc_now()
        try:
            async with uow.savepoint():
                if action == "inspection":
                    await clearance.start_inspection(uow, gate, booking_id, who.actor, now)
                elif action == "decision":
                    form = decode_form(data, DecisionCreate)
                    decided = clearance.DecisionInput(form.decision, form.reason, form.channel)
                    await clearance.record_decision(
                        uow, gate, booking_id, who.agency, decided, who.officer_id, who.actor, now
                    )
                elif action == "exit":
                    await clearance.record_exit(uow, gate, booking_id, who.actor, now)
                else:
                    return back_to(here, error="unknown action")
        except (DomainError, ValueError) as error:
            return back_to(here, error=getattr(error, "detail", str(error)))
        return back_to(here, message=action)

    @post("/{code:str}/checkins")
    async def check_in(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        """Check a truck in by hand: a pending read's candidate, or a plate as the officer
        reads it (gate operators and border guards); judged like a camera's read."""
        who, gate = await self._act(request, platform, uow, code, Action.CHECK_IN_BY_HAND)
        here = here_of(code, data)
        try:
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
            async with uow.savepoint():
                answer = await check_in_by_hand(uow, gate, wanted, who.actor, utc_now())
        except DomainError as error:
            return back_to(here, error=error.detail)
        if answer.outcome is CheckinOutcome.REFUSED:
            return back_to(here, error=answer.detail or str(answer.refusal))
        return back_to(here, message=f"{answer.booking_code or ''} {answer.outcome.value}")

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
        slowing down; the API's overrideSlotCapacity, by the same rule)."""
        await self._act(request, platform, uow, code, Action.OVERRIDE_CAPACITY)
        here = here_of(code, data)
        try:
            form = decode_form(data, CapacityOverride, direction=data.get("direction") or "export")
            if form.capacity is None:  # the API's null: the console's form always sets one
                raise ValidationFailed("capacity is required", field="capacity")
            async with uow.savepoint():
                await gates.set_slot_capacity(
                    uow, code, form.direction, form.starts_at, form.capacity
                )
        except DomainError as error:
            return back_to(here, error=error.detail)
        starts = as_local(form.starts_at).strftime("%H:%M")
        return back_to(here, message=f"{starts} → {form.capacity}")

    @post("/{code:str}/notices")
    async def notice(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        who, gate = await self._act(request, platform, uow, code, Action.POST_NOTICES)
        here = here_of(code, data)
        try:
            form = decode_form(data, NoticeCreate, text=(data.get("text") or "").strip() or None)
        except DomainError as error:
            return back_to(here, error=error.detail)
        await notices.post_notice(uow, gate, form.text, form.expires_at, who.actor, utc_now())
        return back_to(here, message=form.text)

    @post("/{code:str}/pause")
    async def pause(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        _, gate = await self._act(request, platform, uow, code, Action.PAUSE_GATE)
        here = here_of(code, data)
        try:
            form = decode_form(data, PauseUpdate, paused=data.get("paused") == "true")
            async with uow.savepoint():
                await notices.set_paused(uow, gate, form.paused, form.reason)
        except DomainError as error:
            return back_to(here, error=error.detail)
        return back_to(here)


async def console_officer(request: Request[Any, Any, Any], platform: Platform) -> Officer:
    """The officer signed in at the console (else to sign in, SignInRequired)."""
    return await require_browser(request, platform, Officer, "/console")


def here_of(code: str, form: Mapping[str, str]) -> str:
    """The yard page a form came from, in the direction it showed (a direction the page does
    not know is answered there, with 422, as a query value)."""
    return f"/console/{code}?" + urlencode({"direction": form.get("direction") or "export"})


def minutes_left(deadline_at: datetime, now: datetime) -> int:
    """Whole minutes until ``deadline_at``, rounded up (a truck with 30 s left has 1 minute);
    0 or less once it passed (the order is then late)."""
    return math.ceil((deadline_at - now).total_seconds() / 60)


def _next_hours(now: datetime) -> list[datetime]:
    from datetime import timedelta

    start = now.astimezone(LOCAL_TZ).replace(minute=0, second=0, microsecond=0)
    return [start + timedelta(hours=h) for h in range(24)]

"""The console's yard page drawn from a query (its direction, search and filter): for the
page's GET, and for a refused form of it, which draws the same page again (with its live
refresh) holding the values typed in the form that was posted and the reason (issue 16: a
refused form loses nothing typed)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from litestar import Request
from litestar.response import Template

from gate.accounts.permissions import Action, allowed, at_gate
from gate.accounts.principal import Officer
from gate.dispatch.waiting import waiting_trucks
from gate.domain.clearance import CustomsChannel
from gate.domain.plates import format_plate
from gate.domain.slots import Direction
from gate.domain.time import as_local, utc_now
from gate.domain.yard_search import MAX_SEARCH_TEXT
from gate.gates.calendar import parse_direction
from gate.live.projections import gate_state, officer_board
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork
from services.platform import Platform
from services.web.console_context import page_details, yard_part_details
from services.web.console_outbox import outbox_panel
from services.web.console_search import Narrowed, Narrowing, narrowed
from services.web.fee_pages import cash_keys
from services.web.forms import Again
from services.web.render import Typed, page, translator


async def yard_view(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    platform: Platform,
    who: Officer,
    gate: Gate,
    query: Mapping[str, str],
    **extra: Any,
) -> Template:
    """The yard page of ``gate`` for ``who``: the direction, search and filter ``query``
    asks for (ValidationFailed, 422, for a direction or search it cannot be); the yard part
    alone when it asks for ``partial`` (the live refresh). ``extra`` goes to ``page`` (a
    refused form's ``error``, ``typed`` and ``status_code``)."""
    here = at_gate(gate.id)
    direction = parse_direction(query.get("direction") or "export")
    narrowing = Narrowing.of(query, who.agency)
    now = utc_now()
    state = await gate_state(uow, gate, now, platform.horizon)
    board = await officer_board(uow, state, now)
    lanes = [ln for d in board.directions if d.direction == direction.value for ln in d.lanes]
    shown = Narrowed(
        [v for v in board.waiting if v.direction == direction.value],
        [v for v in board.at_lanes if v.direction == direction.value],
    )
    # The board lists the head of the queue; the direction's board counts all of it.
    waiting_total = sum(d.waiting_total for d in board.directions if d.direction == direction.value)
    if narrowing.active:
        shown = await narrowed(uow, state, direction, shown, narrowing, who.agency, now)
        waiting_total = len(shown.waiting)
    partial = bool(query.get("partial"))
    template = "console/yard_part.html" if partial else "console/yard.html"
    return page(
        request,
        template,
        who,
        gate=gate,
        direction=direction.value,
        lanes=lanes,
        waiting=shown.waiting,
        waiting_total=waiting_total,
        at_lanes=shown.at_lanes,
        narrowing=narrowing,
        capped=shown.capped,
        agency=who.agency.value,
        # Which forms the page shows: what the rule book lets this officer do here.
        may=lambda action: allowed(who, Action(action), here),
        channels=[c.value for c in CustomsChannel],
        agency_minutes=board.agency_minutes,
        paused=gate.paused,
        pending_reads=[r for r in board.pending_reads if r.direction in (None, direction.value)],
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
        # The whole page only: the live refresh redraws the yard part.
        outbox=None if partial else await outbox_panel(uow, gate.id, now),
        # Each truck's cargo, enterprise, driver, agencies; the lanes held (one query).
        **await yard_part_details(uow, gate, shown.waiting, shown.at_lanes, translator(request)),
        # Each truck's cash form's key (services/web/fee_pages.py); the fees themselves are
        # in yard_part_details.
        **cash_keys(v.booking_id for v in [*shown.waiting, *shown.at_lanes]),
        **(
            {}
            if partial
            else await page_details(request, uow, who, gate, direction, now, platform.horizon)
        ),
        **extra,
    )


def yard_again(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    platform: Platform,
    who: Officer,
    gate: Gate,
    form: Mapping[str, str],
) -> Again:
    """The yard page a refused form of it is answered with: in the direction, search and
    filter the form came from, the whole page (never the live refresh's part), with what
    was typed in the form posted to this request's path."""

    async def draw(words: str, status: int) -> Template:
        query = here_query(form)
        if query["direction"] not in {d.value for d in Direction}:
            # The direction is what was refused: the page is drawn in the default one.
            query["direction"] = Direction.EXPORT.value
        typed = Typed(request.url.path, form)
        return await yard_view(
            request, uow, platform, who, gate, query, error=words, typed=typed, status_code=status
        )

    return Again(request, draw)


def here_query(form: Mapping[str, str]) -> dict[str, str]:
    """The yard page's query a form came from: its direction and its search and filter
    (``q``, ``mine``: the console's script adds them to a form it sends) when they are what
    the page's own search sends; anything else is dropped, not put into an address for the
    page to refuse after the action was taken. A direction the page does not know stays, to
    be answered with 422."""
    query = {"direction": form.get("direction") or "export"}
    if 0 < len(q := form.get("q") or "") <= MAX_SEARCH_TEXT:
        query["q"] = q
    if form.get("mine") == "1":
        query["mine"] = "1"
    return query


def minutes_left(deadline_at: datetime, now: datetime) -> int:
    """Whole minutes until ``deadline_at``, rounded up (a truck with 30 s left has 1 minute);
    0 or less once it passed (the order is then late)."""
    return math.ceil((deadline_at - now).total_seconds() / 60)

"""The public transparency page (công khai, minh bạch; issue 17): per gate, the typical wait
by weekday and hour (CBP's idea), trucks (turned back and let go uncalled among them) and
places per day, each agency's median and 90th percentile, the forecast's accuracy. Times
are shown as the band of minutes they lie in, and the page says so. No sign-in; counts and
times only, from the rollups (gate/statistics/public.py withholds a time from fewer than
MIN_TRUCKS trucks). The same
numbers are open data at /api/v1/statistics/gates/{code}/... (services/api/statistics/).
A wrong direction or an unknown gate is a page too, in the visitor's language
(services/web/problem_pages.py), not problem JSON."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from gate.domain.slots import Direction
from gate.domain.time import utc_now
from gate.gates.calendar import gate_by_code, parse_direction
from gate.gates.service import list_gates
from gate.statistics.public import (
    MIN_TRUCKS,
    agency_summary,
    day_figures,
    local_day,
    midnight,
    typical_week,
)
from gate.store.unit_of_work import UnitOfWork
from services.web.render import page

DAYS = 28  # trucks per day over the last four weeks
WEEKS = 8  # the typical wait over the last eight weeks
# The heat map's shades: a median wait below each bound (minutes) takes the next shade.
SHADES = (15, 30, 60, 120)


def shade(minutes: float | None) -> str:
    """The heat map's class of a median wait: ``few`` when withheld, ``w0`` to ``w4``."""
    if minutes is None:
        return "few"
    return f"w{sum(minutes >= bound for bound in SHADES)}"


@get("/transparency", include_in_schema=False)
async def transparency_gates(
    request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
) -> Template:
    """The gates, each a link to its figures."""
    return page(request, "transparency.html", gates=await list_gates(uow), gate=None)


@get("/transparency/{code:str}", include_in_schema=False)
async def transparency_page(
    request: Request[Any, Any, Any],
    code: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    direction: FromQuery[str | None] = None,
) -> Template:
    """One gate's figures, both directions together or one (``?direction=``). A wrong
    direction (ValidationFailed, 422) or an unknown gate (NotFound, 404): a page saying so."""
    # Read here, not by Litestar's enum: its refusal is problem JSON, never a page.
    chosen = parse_direction(direction).value if direction else None
    gate = await gate_by_code(uow, code)
    today = local_day(utc_now())
    until = midnight(today + timedelta(days=1))
    first = today - timedelta(days=DAYS - 1)
    days = await day_figures(uow.session, gate.id, first, today, chosen, today=today)
    since_weeks = until - timedelta(weeks=WEEKS)
    week = await typical_week(uow.session, gate.id, since_weeks, until, chosen)
    since_days = midnight(today - timedelta(days=DAYS - 1))
    agencies = await agency_summary(uow.session, gate.id, since_days, until, chosen)
    return page(
        request,
        "transparency.html",
        gate=gate,
        gates=[],
        direction=chosen,
        directions=[d.value for d in Direction],
        days=list(reversed(days)),  # the latest first: a phone shows it without scrolling
        heat=[[week[weekday * 24 + hour] for weekday in range(7)] for hour in range(24)],
        shade=shade,
        agencies=agencies,
        min_trucks=MIN_TRUCKS,
        weeks=WEEKS,
        day_count=DAYS,
    )

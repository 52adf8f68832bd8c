"""The statistics page (thống kê) for the gates' leaders and officers: a day hour by hour, or
a week or a month day by day, of one gate in one direction or both. Charts and tables of the
trucks, the waits, each agency's time, the capacity offered and held and the forecast's error,
read from the rollups (services/web/statistics_view.py), the same tables as CSV and Excel, and
the capacity planner's "what if" for the chosen day.

Who sees what: an officer, of any agency and role, sees the gates they serve, by the rule
book's read-yard (the same officers as the gate's console); the administrator has no page
sign-in, so no page (the rollups are theirs through ``gate statistics`` and the API)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action, at_gate, require
from gate.accounts.principal import Officer
from gate.domain.errors import NotFound
from gate.domain.locale import gate_name
from gate.domain.queue import QueueClass
from gate.domain.slots import Direction
from gate.domain.time import utc_now
from gate.gates.calendar import gate_by_code, parse_direction
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork
from services.platform import Platform
from services.web import statistics_planner as planner
from services.web.console import served_gates
from services.web.public import require_browser
from services.web.render import page, translator
from services.web.statistics_export import as_csv, as_xlsx, scope_of
from services.web.statistics_fees import page_tables
from services.web.statistics_view import (
    AGENCIES,
    Span,
    Table,
    Window,
    chart_data,
    parse_agency,
    parse_day,
    parse_span,
)

AREA = "/statistics"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _officer(request: Request[Any, Any, Any], platform: Platform) -> Officer:
    """The officer signed in (else to sign in, SignInRequired)."""
    return await require_browser(request, platform, Officer, AREA)


async def _window(
    request: Request[Any, Any, Any], platform: Platform, uow: UnitOfWork, code: str
) -> tuple[Officer, Gate, Window]:
    """The officer, the gate (NotFound, 404) once they serve it (Forbidden, 403) and the
    window the query asks for (ValidationFailed, 422, for a wrong span, day or direction)."""
    who = await _officer(request, platform)
    gate = await gate_by_code(uow, code)
    require(who, Action.READ_YARD, at_gate(gate.id))
    query = request.query_params
    direction = query.get("direction") or None
    window = Window(
        span=parse_span(query.get("span")),
        day=parse_day(query.get("day")),
        gate_id=gate.id,
        direction=None if direction is None else parse_direction(direction).value,
        agency=parse_agency(query.get("agency")),
    )
    return who, gate, window


async def _tables(platform: Platform, window: Window) -> tuple[Table, ...]:
    """The window's tables, read on the read replica when there is one (the officer and the
    gate were read on the primary): the heaviest reads of the pages."""
    return await platform.reads.run(lambda uow: page_tables(uow.session, window))


def _scope_query(window: Window) -> str:
    """The window as the page's query (for the export links)."""
    chosen = {"span": window.span.value, "day": window.day.isoformat()}
    if window.direction:
        chosen["direction"] = window.direction
    if window.agency:
        chosen["agency"] = window.agency
    return urlencode(chosen)


def _json_block(data: object) -> str:
    """``data`` as JSON safe inside a ``<script type="application/json">`` block: no ``<``
    can close it early."""
    return json.dumps(data).replace("<", "\\u003c")


class StatisticsController(Controller):
    path = AREA
    include_in_schema = False
    # A refusal here is a page for every client but one asking for JSON alone: the pages'
    # router's handlers, with the statistics' words (services/web/problem_pages.py, STATISTICS).

    @get("/")
    async def home(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template | Redirect:
        """The gates this officer serves; straight to the gate when there is one."""
        who = await _officer(request, platform)
        served = await served_gates(uow, who)
        if len(served) == 1:
            return Redirect(path=f"{AREA}/{served[0].code}", status_code=303)
        return page(request, "statistics/home.html", who, gates=served)

    @get("/{code:str}")
    async def gate_page(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """The page: the window's tables and charts, and the planner's answer when its form
        was sent (a wrong field: the page again, 422, with the field's error)."""
        who, gate, window = await _window(request, platform, uow, code)
        found = await _tables(platform, window)
        t = translator(request)
        planned: planner.Planned | None = None
        refused: planner.Refused | None = None
        query = request.query_params
        if planner.asked(query):
            try:
                scenario = planner.scenario_of(query)
                planned = await planner.plan(
                    uow, platform.planner, gate.code, window.direction, window.day, scenario
                )
            except planner.Refused as refusal:
                refused = refusal
        served = await served_gates(uow, who)
        return page(
            request,
            "statistics/gate.html",
            who,
            status_code=refused.status if refused else 200,
            gate=gate,
            gates=served,
            window=window,
            spans=[s.value for s in Span],
            directions=[d.value for d in Direction],
            agencies=AGENCIES,
            classes=[c.value for c in QueueClass],
            tables=found,
            charts=_json_block(chart_data(found, t.table()) + planner.chart(planned, t)),
            scope_query=_scope_query(window),
            query=query,
            planned=planned,
            plan_error=refused.words(t) if refused else None,
            planner_limits=planner.LIMITS,
        )

    @get("/{code:str}/csv/{table:str}")
    async def csv_export(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        table: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Response[str]:
        """One of the page's tables as CSV (UTF-8 with its mark), its scope first, headed in
        the page's language; NotFound for a table the page has not."""
        _, gate, window = await _window(request, platform, uow, code)
        chosen = [found for found in await _tables(platform, window) if found.name == table]
        if not chosen:
            raise NotFound(f"the statistics have no table {table!r}")
        name = f"{gate.code}-{table}-{window.span.value}-{window.day.isoformat()}.csv"
        t = translator(request)
        return Response(
            as_csv(chosen[0], t, scope_of(gate_name(gate, t.language), window, t, utc_now())),
            # Litestar adds "; charset=utf-8" to a text/ type itself: naming it here too
            # sent it twice.
            media_type="text/csv",
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    @get("/{code:str}/xlsx")
    async def xlsx_export(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Response[bytes]:
        """The page's tables as an Excel workbook, a sheet each, each with its scope first."""
        _, gate, window = await _window(request, platform, uow, code)
        found = await _tables(platform, window)
        name = f"{gate.code}-{window.span.value}-{window.day.isoformat()}.xlsx"
        t = translator(request)
        return Response(
            as_xlsx(found, t, scope_of(gate_name(gate, t.language), window, t, utc_now())),
            media_type=XLSX,
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

"""The gates' statistics as open data (public, no credential): a gate's days, paged, and its
typical wait per weekday and hour. Counts, times and the fees' totals only, from the rollups
(gate/statistics/public.py); answers carry an ETag and may be cached briefly by anyone."""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import date, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from gate.domain.errors import ValidationFailed
from gate.domain.slots import Direction
from gate.domain.time import day_in_range, utc_now
from gate.gates.calendar import gate_by_code
from gate.statistics.public import (
    MIN_TRUCKS,
    DayFigures,
    TypicalWait,
    day_figures,
    local_day,
    midnight,
    typical_week,
)
from gate.store.unit_of_work import UnitOfWork
from services.api.statistics.schemas import DayView, GateDays, GateTypicalWaits, TypicalWaitView
from services.common.contract import documented
from services.platform import Platform

MAX_DAYS = 366  # the longest window of days one may ask for (page through it)
MAX_PAGE = 100  # days per page
DEFAULT_DAYS = 28
MAX_WEEKS = 52
# At least four weeks: a cell of one week is one day's one hour, often one or two trucks
# that a passer-by could name; four puts four days in every cell.
MIN_WEEKS = 4
# The days the statistics hold, FIRST_DAY to LAST_DAY, are one rule with the page's and the
# planner's (gate/domain/time.py gives its reasons).
# Public data that changes at most with each sweep round: a few minutes old is fine, and a
# crowd reading it costs the database one query per cache.
PUBLIC_MAX_AGE = 300

_encoder = msgspec.json.Encoder()


def _in_range(value: date, name: str, today: date) -> date:
    """``value`` when it lies between FIRST_DAY and today; ValidationFailed (422, ``field``
    ``name``) otherwise. A day after today (the gates' local day) is refused rather than
    answered as zeros: it has no history yet, and zeros would read as a day with no truck."""
    day_in_range(value, name)
    if value > today:
        raise ValidationFailed(
            f"{name} is after today ({today}, Asia/Ho_Chi_Minh): days to come have no history",
            field=name,
        )
    return value


def encode_cursor(day: date) -> str:
    """The cursor of a page starting at ``day``."""
    return base64.urlsafe_b64encode(day.isoformat().encode()).decode().rstrip("=")


def decode_cursor(cursor: str, first: date, last: date) -> date:
    """The day a cursor starts at, which must lie in the window asked; ValidationFailed for
    anything else (a cursor is the client's input like any other)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        day = date.fromisoformat(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("not a cursor this API gave", field="cursor") from None
    if not first <= day <= last:
        raise ValidationFailed("the cursor is outside the window asked", field="cursor")
    return day


def cached(request: Request[Any, Any, Any], answer: msgspec.Struct) -> Response[bytes]:
    """The answer as JSON with an ETag and a public max-age; 304 with no body when the
    request's If-None-Match names it."""
    body = _encoder.encode(answer)
    etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
    headers = {"etag": etag, "cache-control": f"public, max-age={PUBLIC_MAX_AGE}"}
    if etag in (request.headers.get("if-none-match") or ""):
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


class StatisticsController(Controller):
    path = "/statistics/gates"
    tags = ["statistics"]

    @get(
        "/{code:str}/days",
        operation_id="listGateDays",
        **documented(
            "A gate's days: bookings, trucks, waits, agencies' times, places, no-shows, fees",
            answer=(200, GateDays, "A page of days, oldest first (ETag; 304 when unchanged)"),
            problems=["not-found"],
        ),
    )
    async def days(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        platform: NamedDependency[Platform],
        direction: FromQuery[Direction | None] = None,
        from_: Annotated[date | None, QueryParameter(name="from")] = None,
        to: FromQuery[date | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 31,
        cursor: Annotated[str | None, QueryParameter(max_length=40)] = None,
    ) -> Response[bytes]:
        """Per local day (Asia/Ho_Chi_Minh) from ``from`` to ``to``, both included (default:
        the last 28 days to today; at most 366 days): bookings (every booking of the day's
        hours: walk-ins and cancelled ones included, each also counted apart), no-shows,
        trucks checked in, exited, turned back and expired uncalled, the waits' and each
        agency's median and 90th percentile (times are counted in bands of minutes: each
        figure's band is given, its minutes are an estimate inside it), places offered in
        every hour and held (``use``: held over offered, 0 to 1 to three decimals, a tenth
        of a percent as the pages show it), the forecast's accuracy, the infrastructure
        fee's totals in VND (fixed, received by QR and in cash, billed to statements,
        refunded, voided, still owed: ``fees``). Every day of the
        window is there, empty ones as zeros; send ``next_cursor`` as ``cursor`` for the
        next page. Today's figures are so far: its day has ``complete`` false. A time from
        fewer than ``min_trucks`` trucks is null. 422 for a window backwards, too long or
        out of range, a ``from`` or ``to`` after today (days to come have no history; today
        is the gates' local day), or a cursor outside the window; 404 for an unknown gate
        (public)."""
        today = local_day(utc_now())
        last = _in_range(to or today, "to", today)
        first = _in_range(from_ or last - timedelta(days=DEFAULT_DAYS - 1), "from", today)
        if first > last:
            raise ValidationFailed("from is after to", field="from")
        if (last - first).days + 1 > MAX_DAYS:
            raise ValidationFailed(f"at most {MAX_DAYS} days at once", field="from")
        start = decode_cursor(cursor, first, last) if cursor is not None else first
        end = min(start + timedelta(days=limit - 1), last)
        side = direction.value if direction else None

        # On the read replica when there is one; the gate's code is read inside, as its row is
        # expired once the unit of work ends.
        async def read(uow: UnitOfWork) -> tuple[str, list[DayFigures]]:
            gate = await gate_by_code(uow, code)
            figures = await day_figures(uow.session, gate.id, start, end, side, today=today)
            return gate.code, figures

        gate_code, figures = await platform.reads.run(read)
        after = end + timedelta(days=1)
        answer = GateDays(
            gate=gate_code,
            direction=direction.value if direction else None,
            from_=first,
            to=last,
            min_trucks=MIN_TRUCKS,
            days=[DayView.of(day) for day in figures],
            next_cursor=encode_cursor(after) if after <= last else None,
        )
        return cached(request, answer)

    @get(
        "/{code:str}/typical-waits",
        operation_id="getGateTypicalWaits",
        **documented(
            "A gate's typical wait per weekday and hour",
            answer=(200, GateTypicalWaits, "The 168 weekday-hours (ETag; 304 when unchanged)"),
            problems=["not-found"],
        ),
    )
    async def typical_waits(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        platform: NamedDependency[Platform],
        direction: FromQuery[Direction | None] = None,
        to: FromQuery[date | None] = None,
        weeks: Annotated[int, QueryParameter(ge=MIN_WEEKS, le=MAX_WEEKS)] = 8,
    ) -> Response[bytes]:
        """The wait from check-in to call of trucks checked in on each weekday (Monday 0) at
        each local hour, over the ``weeks`` weeks (default 8, at least 4, at most 52) ending
        with ``to`` (a local day, included; default today): its median and 90th percentile
        with their bands (trucks the queue let go uncalled count with a day's wait, at
        least), null from fewer than ``min_trucks`` trucks (the 90th percentile: fewer than
        ten). 422 for a ``to`` after today (the gates' local day: days to come have no
        history); 404 for an unknown gate (public)."""
        today = local_day(utc_now())
        last = _in_range(to or today, "to", today)
        first = last - timedelta(days=7 * weeks - 1)
        side = direction.value if direction else None

        async def read(uow: UnitOfWork) -> tuple[str, list[TypicalWait]]:  # as in days()
            gate = await gate_by_code(uow, code)
            window = (midnight(first), midnight(last + timedelta(days=1)))
            return gate.code, await typical_week(uow.session, gate.id, *window, side)

        gate_code, hours = await platform.reads.run(read)
        answer = GateTypicalWaits(
            gate=gate_code,
            direction=direction.value if direction else None,
            from_=first,
            to=last,
            min_trucks=MIN_TRUCKS,
            hours=[TypicalWaitView.of(hour) for hour in hours],
        )
        return cached(request, answer)

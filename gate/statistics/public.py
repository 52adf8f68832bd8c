"""What the public sees of the statistics (issue 17): the figures of the transparency page,
the open-data history API and the board's wait chart, all from the reads of the rollups
(``reads.py``), which hold counts and times per gate, direction, hour and class and nothing
else: no plate, no name, no enterprise.

**Few trucks, no figure.** A time figure (a median, a 90th percentile, the forecast's share
on time) drawn from fewer than ``MIN_TRUCKS`` trucks is withheld (None, shown as such): with
one truck in an hour its "median" is that truck's own time, which anyone who saw the truck at
the gate could read back. Published times are estimated inside their bucket by the rule of
gate/domain/distributions.py, from a bucket's mean only where the bucket holds at least
``MIN_TRUCKS`` trucks; a bucket of fewer is read from its bounds alone (a median in a bucket
of one truck would otherwise be that truck's time). The 90th percentile is withheld below
``P90_MIN_TRUCKS`` (it lies in the slowest truck's bucket). Each published time carries its
band of minutes (``Times.median_band``): all the buckets know for certain; the pages show
the band ("under 5 min"), the open data the estimate beside it.
Counts (trucks, bookings, places) are published as they are: a count of one says that a
truck came, which the gate's public board said live. So are the fees' totals per day (issue
19: fixed, received by QR and in cash, billed to statements, refunded, voided, still owed):
sums of a public fee whose rates the council publishes, over the same trucks, naming no payer;
the public finances of a public fee, and the QR share the province reports on.

Days are the gates' local days (``reads.Grain.DAY``); a day with nothing counted is still a
day (zeros, no times), so a window's days are all there and a page of them has no gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.statistics import ERROR_BOUNDS_MINUTES, Band, Distribution, Measure
from gate.domain.time import LOCAL_TZ, as_utc
from gate.statistics.capacity import capacity_use, use_per_mille
from gate.statistics.reads import (
    FeeDay,
    Grain,
    Scope,
    agency_distributions,
    agency_times,
    counts,
    distributions,
    fee_days,
    forecast_accuracy,
    typical_waits,
)

MIN_TRUCKS = 5  # a time figure from fewer trucks is withheld (the module's docstring)
# Below ten trucks the 90th percentile lies in the slowest truck's bucket: withheld.
P90_MIN_TRUCKS = 10
ON_TIME_MINUTES = 15  # the forecast is "on time" when the call came within this of it
# The error buckets that lie within ±ON_TIME_MINUTES: from the one starting at -15 to the one
# ending at +15 (both are bucket bounds, so the share is exact, not estimated).
_ON_TIME = range(
    ERROR_BOUNDS_MINUTES.index(-ON_TIME_MINUTES) + 1,
    ERROR_BOUNDS_MINUTES.index(ON_TIME_MINUTES) + 1,
)


@dataclass(frozen=True, slots=True)
class Times:
    """A time's public figures: how many trucks it is drawn from, its median and 90th
    percentile in minutes (one decimal), both None below ``MIN_TRUCKS`` trucks (the 90th
    below ``P90_MIN_TRUCKS``), and the band of minutes each lies in (``Band``: all the
    buckets say for certain; the minutes are an estimate inside it, from the bucket's mean
    where it holds ``MIN_TRUCKS`` trucks or more, gate/domain/distributions.py). Pages show
    the band ("under 5 min")."""

    trucks: int
    median_minutes: float | None
    p90_minutes: float | None
    median_band: Band | None = None
    p90_band: Band | None = None


def times_of(distribution: Distribution | None) -> Times:
    """The public figures of a distribution (None: nothing counted)."""
    if distribution is None or distribution.count == 0:
        return Times(0, None, None)
    trucks = distribution.count
    if trucks < MIN_TRUCKS:
        return Times(trucks, None, None)
    # A bucket's mean is used only where MIN_TRUCKS trucks or more make it: a median or 90th
    # percentile in a bucket of one truck would otherwise be that truck's own time. Below
    # P90_MIN_TRUCKS the 90th percentile is the slowest truck's bucket: withheld.
    p90 = distribution.percentile_minutes(0.9, mean_from=MIN_TRUCKS)
    enough = trucks >= P90_MIN_TRUCKS
    return Times(
        trucks,
        _rounded(distribution.percentile_minutes(0.5, mean_from=MIN_TRUCKS)),
        _rounded(p90) if enough else None,
        distribution.band(0.5),
        distribution.band(0.9) if enough else None,
    )


@dataclass(frozen=True, slots=True)
class Forecast:
    """The forecast's accuracy: of ``trucks`` called, the share (0 to 1, two decimals) called
    within ``ON_TIME_MINUTES`` of the time they were told; None below ``MIN_TRUCKS``."""

    trucks: int
    on_time_share: float | None


def forecast_of(distribution: Distribution | None) -> Forecast:
    """The forecast's public figure from its error's distribution (None: nothing counted)."""
    trucks = distribution.count if distribution is not None else 0
    if distribution is None or trucks < MIN_TRUCKS:
        return Forecast(trucks, None)
    on_time = sum(distribution.buckets.get(index, (0, 0))[0] for index in _ON_TIME)
    return Forecast(trucks, round(on_time / trucks, 2))


@dataclass(frozen=True, slots=True)
class DayFigures:
    """One local day of a gate: bookings for its hours (``made``: all of them, walk-ins and
    cancelled ones included), of which cancelled, no-shows and walk-ins; trucks checked in,
    exited, turned back by an agency, and let go uncalled (``expired``); the wait for a call
    (expired trucks' included, at least a day each), the time from call to exit, and from
    call to a refusal; each agency's time; places offered and held; the forecast's accuracy.
    ``complete`` is False for today (the gates' local day, not over yet): its figures are so
    far, and the pages and the open data say so."""

    day: date
    made: int = 0
    cancelled: int = 0
    no_shows: int = 0
    walk_ins: int = 0
    checked_in: int = 0
    exited: int = 0
    turned_back: int = 0
    expired: int = 0
    wait: Times = Times(0, None, None)
    call_to_exit: Times = Times(0, None, None)
    call_to_turn_back: Times = Times(0, None, None)
    agencies: dict[str, Times] = field(default_factory=dict)
    offered: int = 0
    held: int = 0
    forecast: Forecast = Forecast(0, None)
    complete: bool = True
    fees: FeeDay | None = None  # the fees' totals (None: no fee that day)

    @property
    def use(self) -> float | None:
        """Places held over offered, 0 to 1 to three decimals (a tenth of a percent, the
        pages' precision: ``capacity.use_per_mille``); None when none were offered."""
        per_mille = use_per_mille(self.held, self.offered)
        return None if per_mille is None else per_mille / 1000

    @property
    def use_percent(self) -> float | None:
        """The same in percent, to a tenth, as the pages show it (4.2 for 0.042)."""
        per_mille = use_per_mille(self.held, self.offered)
        return None if per_mille is None else per_mille / 10


def midnight(day: date) -> datetime:
    """The start of a gates' local day, as an aware instant."""
    return datetime.combine(day, time(), tzinfo=LOCAL_TZ)


def local_day(moment: datetime) -> date:
    """The gates' local day of an instant."""
    return as_utc(moment).astimezone(LOCAL_TZ).date()


async def day_figures(
    session: AsyncSession,
    gate_id: str,
    first: date,
    last: date,
    direction: str | None = None,
    *,
    today: date,
) -> list[DayFigures]:
    """Every day from ``first`` to ``last`` (both included) in order, empty days as zeros:
    twelve statements whatever the number of days. ``today`` (``local_day(now)``) and any
    later day are ``complete=False``; the callers ask for no day after today (a day to come
    is no history: the open data refuses it)."""
    scope = Scope(midnight(first), midnight(last + timedelta(days=1)), gate_id, direction)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    by_day: dict[date, dict[str, object]] = {day: {} for day in days}
    for row in await counts(session, scope, Grain.DAY):
        by_day[row.period.date()].update(
            made=row.made,
            cancelled=row.cancelled,
            no_shows=row.lapsed,
            walk_ins=row.walk_ins,
            checked_in=row.checked_in,
            exited=row.exited,
            turned_back=row.turned_back,
            expired=row.expired,
        )
    for name, measure in (
        ("wait", Measure.WAIT_FOR_CALL),
        ("call_to_exit", Measure.CALL_TO_EXIT),
        ("call_to_turn_back", Measure.CALL_TO_TURN_BACK),
    ):
        for period, distribution in await distributions(session, measure, scope, Grain.DAY):
            by_day[period.date()][name] = times_of(distribution)
    for period, distribution in await forecast_accuracy(session, scope, Grain.DAY):
        by_day[period.date()]["forecast"] = forecast_of(distribution)
    for agency, periods in (await agency_distributions(session, scope, Grain.DAY)).items():
        for period, distribution in periods:
            agencies = by_day[period.date()].setdefault("agencies", {})
            assert isinstance(agencies, dict)
            agencies[agency] = times_of(distribution)
    for capacity in await capacity_use(session, scope, Grain.DAY):
        by_day[capacity.period.date()].update(offered=capacity.offered, held=capacity.held)
    for fees in await fee_days(session, scope):
        by_day[fees.period.date()]["fees"] = fees
    for day in days:
        by_day[day]["complete"] = day < today
    return [DayFigures(day, **by_day[day]) for day in days]  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class TypicalWait:
    """The wait for a call of trucks checked in on a weekday (Monday 0) at a local hour."""

    weekday: int
    hour: int
    wait: Times


async def typical_week(
    session: AsyncSession, gate_id: str, since: datetime, until: datetime, direction: str | None
) -> list[TypicalWait]:
    """All 7 × 24 weekday-hours, Monday 0:00 first, over ``[since, until)`` (CBP's typical
    wait): empty ones with no truck and no figure."""
    scope = Scope(since, until, gate_id, direction)
    found = await typical_waits(session, scope)
    return [
        TypicalWait(weekday, hour, times_of(found.get((weekday, hour))))
        for weekday in range(7)
        for hour in range(24)
    ]


async def agency_summary(
    session: AsyncSession, gate_id: str, since: datetime, until: datetime, direction: str | None
) -> dict[str, Times]:
    """Each agency's time over the whole window, by agency."""
    found = await agency_times(session, Scope(since, until, gate_id, direction))
    return {agency: times_of(distribution) for agency, distribution in found.items()}


@dataclass(frozen=True, slots=True)
class RecentWait:
    """How long the trucks called in one UTC hour had waited since check-in (with those the
    queue let go uncalled in it: the board's chart); ``complete`` False for the hour running
    now, whose figure is so far."""

    hour: datetime
    wait: Times
    complete: bool = True


async def recent_waits(
    session: AsyncSession, gate_id: str, direction: str, now: datetime, hours: int
) -> list[RecentWait]:
    """The last ``hours`` hours up to the one ``now`` is in, oldest first, every hour present
    (one statement). Keyed by the hour each wait ended (``Measure.WAIT_ENDED``), not the
    hour of check-in: by check-in, the latest hours hold only the trucks already called,
    the quick ones, and a jam drew a falling line; by the call, the latest bar says how long
    the trucks called now waited, which rises with the queue."""
    current = as_utc(now).replace(minute=0, second=0, microsecond=0)
    since = current - timedelta(hours=hours - 1)
    scope = Scope(since, current + timedelta(hours=1), gate_id, direction)
    found = dict(await distributions(session, Measure.WAIT_ENDED, scope, Grain.HOUR))
    return [
        RecentWait(hour, times_of(found.get(hour)), hour != current)
        for hour in (since + timedelta(hours=n) for n in range(hours))
    ]


def _rounded(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes, 1)


__all__: Sequence[str] = (
    "MIN_TRUCKS",
    "DayFigures",
    "Forecast",
    "RecentWait",
    "Times",
    "TypicalWait",
    "agency_summary",
    "day_figures",
    "recent_waits",
    "typical_week",
)

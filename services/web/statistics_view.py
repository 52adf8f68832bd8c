"""The statistics page's numbers, once: which window a request asks for and the tables read
for it from the rollups (gate/statistics/reads.py). The page's tables, its charts' data and
the CSV and Excel exports are all drawn from these same tables, so they cannot disagree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.clearance import DECIDING_AGENCIES, Agency
from gate.domain.errors import ValidationFailed
from gate.domain.statistics import COUNTS, Band, Distribution, Measure, agency_measure
from gate.domain.time import LOCAL_TZ, accepted_day, as_local, as_utc, utc_now
from gate.statistics.capacity import Capacity, capacity_use
from gate.statistics.reads import (
    Counts,
    Grain,
    Scope,
    agency_times,
    counts,
    distributions,
    forecast_accuracy,
)

Cell = str | int | float | None


class Span(StrEnum):
    """How long a window the page shows, ending with its chosen local day."""

    DAY = "day"  # the day, hour by hour
    WEEK = "week"  # the 7 days ending with it, day by day
    MONTH = "month"  # the 30 days ending with it, day by day


DAYS = {Span.DAY: 1, Span.WEEK: 7, Span.MONTH: 30}


@dataclass(frozen=True, slots=True)
class Window:
    """The page's choice: a span of local days ending with ``day``, one gate, a direction
    (None: both), an agency whose time to follow period by period (None: every agency's over
    the whole span)."""

    span: Span
    day: date
    gate_id: str
    direction: str | None
    agency: str | None = None

    @property
    def grain(self) -> Grain:
        return Grain.HOUR if self.span is Span.DAY else Grain.DAY

    @property
    def first_day(self) -> date:
        """The window's first local day."""
        return self.day - timedelta(days=DAYS[self.span] - 1)

    def periods(self) -> tuple[datetime, ...]:
        """Every period of the window, oldest first, as the reads key them
        (gate/statistics/reads.py ``period_of``): a day's 24 UTC hours, or each day's local
        midnight. The page lists them all, a period with nothing in it as zeros."""
        if self.grain is Grain.HOUR:
            start = self.scope().since
            return tuple(start + timedelta(hours=h) for h in range(24))
        return tuple(
            datetime.combine(self.first_day + timedelta(days=d), time(0), LOCAL_TZ)
            for d in range(DAYS[self.span])
        )

    def scope(self) -> Scope:
        """The half-open window of UTC instants from the first day's local midnight to the
        midnight after ``day``."""
        end = as_utc(datetime.combine(self.day + timedelta(days=1), datetime.min.time(), LOCAL_TZ))
        start = end - timedelta(days=DAYS[self.span])
        return Scope(start, end, gate_id=self.gate_id, direction=self.direction)


def parse_span(value: str | None) -> Span:
    """``day``, ``week`` or ``month`` (default ``day``); ValidationFailed on ``span``."""
    try:
        return Span(value or Span.DAY)
    except ValueError:
        raise ValidationFailed("span is day, week or month", field="span") from None


def parse_day(value: str | None) -> date:
    """A local day ``YYYY-MM-DD`` (default today at the gates) in the days the platform
    reads figures of, the rule ``gate simulate`` and the open data API keep too
    (gate/domain/time.py::accepted_day); ValidationFailed on ``day``."""
    return accepted_day(value) if value else as_local(utc_now()).date()


# The agencies whose time the page follows: those that decide on a truck, in the rule
# book's order (gate/domain/clearance.py: the gate operator runs the lanes, decides nothing,
# so it has no time from a truck's arrival at the lane to its decision).
AGENCIES = tuple(a.value for a in Agency if a in DECIDING_AGENCIES)


def parse_agency(value: str | None) -> str | None:
    """A deciding agency (``border_guard``, ``customs``, ``quarantine``) or None for all;
    ValidationFailed on ``agency`` (the gate operator too: it decides nothing)."""
    if not value:
        return None
    if value not in AGENCIES:
        known = ", ".join(AGENCIES)
        raise ValidationFailed(f"agency is one of {known}", field="agency")
    return value


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the page: ``name`` its id (and the export's sheet), ``columns`` the
    i18n keys of its headers, ``rows`` its cells (minutes rounded to 0.1, a share in %,
    whole dong); ``money``: the indexes of its columns in VND (the page writes them as
    money, the exports as numbers)."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    money: tuple[int, ...] = ()


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def band_text(band: Band | None) -> str | None:
    """A band of minutes as the page writes it: ``<5``, ``5–10``, ``≥1440``."""
    if band is None:
        return None
    if band.high is None:
        return f"≥{band.low}"
    return f"<{band.high}" if band.low == 0 else f"{band.low}–{band.high}"


def _spread(found: Distribution) -> tuple[Cell, ...]:
    """A distribution's trucks, median and 90th percentile (minutes, estimated inside their
    bands), and the median's band: what the buckets know of it."""
    return (
        found.count,
        _minutes(found.percentile_minutes(0.5)),
        _minutes(found.percentile_minutes(0.9)),
        band_text(found.band(0.5)),
    )


def period_label(period: datetime, grain: Grain) -> str:
    """An hour as its local ``HH:00`` (the day is the page's), a day as ``YYYY-MM-DD``."""
    local = as_local(period)
    return local.strftime("%H:00") if grain is Grain.HOUR else local.date().isoformat()


def exited_key(direction: str | None) -> str:
    """The i18n key of the trucks' "exited" column: through the gate out of the country on
    export, into it on import (an import truck's exit from the gate is its entry)."""
    return f"stats_exited_{direction or 'both'}"


def _filled(
    window: Window, found: list[tuple[datetime, Distribution]], measure: str
) -> list[tuple[datetime, Distribution]]:
    """Every period of the window with its distribution; an empty one where nothing was."""
    per = dict(found)
    return [(p, per.get(p) or Distribution(measure, {})) for p in window.periods()]


async def tables(session: AsyncSession, window: Window) -> tuple[Table, ...]:
    """The page's tables of trucks for ``window``: trucks, waits, each agency's time,
    capacity, the forecast's error (the fees': ``statistics_fees.py``). Every period of the
    window is a row (``Window.periods``), one with nothing in it as zero trucks and no time, so the
    tables, charts and exports of a quiet day still show its every hour."""
    scope, grain = window.scope(), window.grain
    periods = window.periods()

    def label(period: datetime) -> str:
        return period_label(period, grain)

    counted = {c.period: c for c in await counts(session, scope, grain)}
    nothing = (0,) * len(COUNTS)
    trucks = Table(
        "trucks",
        ("stats_period", "stats_made", "stats_checked_in", exited_key(window.direction),
         "stats_no_shows", "stats_walk_ins", "cancelled", "stats_turned_back", "stats_expired"),
        tuple(
            (label(c.period), c.made, c.checked_in, c.exited, c.lapsed, c.walk_ins, c.cancelled,
             c.turned_back, c.expired)
            for c in (counted.get(p) or Counts(p, *nothing) for p in periods)
        ),
    )  # fmt: skip
    waits = Table(
        "waits",
        ("stats_period", "stats_trucks", "stats_median", "stats_p90", "stats_median_band"),
        tuple(
            (label(period), *_spread(found))
            for period, found in _filled(
                window,
                await distributions(session, Measure.WAIT_FOR_CALL, scope, grain),
                Measure.WAIT_FOR_CALL,
            )
        ),
    )
    if window.agency is None:
        agencies: Mapping[str, Distribution] = await agency_times(session, scope)
        agency_table = Table(
            "agencies",
            ("stats_agency", "stats_decisions", "stats_median", "stats_p90", "stats_median_band"),
            tuple((agency, *_spread(found)) for agency, found in agencies.items()),
        )
    else:
        measure = agency_measure(window.agency)
        agency_table = Table(
            "agencies",
            ("stats_period", "stats_decisions", "stats_median", "stats_p90", "stats_median_band"),
            tuple(
                (label(period), *_spread(found))
                for period, found in _filled(
                    window, await distributions(session, measure, scope, grain), measure
                )
            ),
        )
    held = {c.period: c for c in await capacity_use(session, scope, grain)}
    capacity = Table(
        "capacity",
        ("stats_period", "stats_offered", "stats_held", "stats_use"),
        tuple(
            (
                label(c.period),
                c.offered,
                c.held,
                c.use_percent,
            )
            for c in (held.get(p) or Capacity(p, 0, 0) for p in periods)
        ),
    )
    errors = Table(
        "forecast",
        ("stats_period", "stats_trucks", "stats_mean_error", "stats_median", "stats_p90"),
        tuple(
            (label(period), found.count, _minutes(found.mean_minutes), *_spread(found)[1:3])
            for period, found in _filled(
                window, await forecast_accuracy(session, scope, grain), Measure.FORECAST_ERROR
            )
        ),
    )
    return trucks, waits, agency_table, capacity, errors


# Which columns each chart draws (by index into its table) and how.
CHARTS: dict[str, tuple[str, tuple[int, ...]]] = {
    "trucks": ("bar", (1, 2, 3, 4, 5, 6, 7, 8)),  # every count of the table, cancelled too
    "waits": ("line", (2, 3)),
    "agencies": ("bar", (2, 3)),
    "capacity": ("bar", (1, 2)),
    "forecast": ("line", (2, 3, 4)),
    # Money in by each way, billed to statements, given back and still owed (VND).
    "fees": ("bar", (3, 4, 5, 6, 9)),
}


def chart_data(found: tuple[Table, ...], words: Mapping[str, str]) -> list[dict[str, object]]:
    """What frontend/static/statistics.js draws: per table, its labels (the first column)
    and a series per charted column, headed in the page's language (``words``)."""
    charts: list[dict[str, object]] = []
    for table in found:
        kind, columns = CHARTS[table.name]
        labels = [words.get(str(row[0]), str(row[0])) for row in table.rows]
        series = [
            {"label": words[table.columns[i]], "data": [row[i] for row in table.rows]}
            for i in columns
        ]
        charts.append({"id": table.name, "kind": kind, "labels": labels, "series": series})
    return charts

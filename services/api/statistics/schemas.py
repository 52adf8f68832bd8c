"""The open data's shapes: counts and times only (gate/statistics/public.py says which time
figures are withheld and why)."""

from __future__ import annotations

from datetime import date

import msgspec

from gate.statistics.public import DayFigures, Forecast, Times, TypicalWait
from services.common.schemas import Output


class TimesView(Output):
    """A time: the trucks it is drawn from, its median and 90th percentile in minutes (null
    when fewer than ``min_trucks`` trucks: withheld so that no truck's own time shows)."""

    trucks: int
    median_minutes: float | None
    p90_minutes: float | None

    @classmethod
    def of(cls, times: Times) -> TimesView:
        return cls(times.trucks, times.median_minutes, times.p90_minutes)


class ForecastView(Output):
    """The forecast's accuracy: of ``trucks`` called, the share (0 to 1) called within 15
    minutes of the time they were told (null below ``min_trucks``)."""

    trucks: int
    on_time_share: float | None

    @classmethod
    def of(cls, forecast: Forecast) -> ForecastView:
        return cls(forecast.trucks, forecast.on_time_share)


class DayView(Output):
    """One local day (Asia/Ho_Chi_Minh) of a gate: bookings made for its hours, cancelled,
    no-shows and walk-ins; trucks checked in and exited; the wait from check-in to call and
    from call to exit; each agency's time from the truck's arrival at the lane to its
    decision; places offered and held (``use`` held over offered); the forecast's accuracy."""

    day: date
    bookings_made: int
    cancelled: int
    no_shows: int
    walk_ins: int
    trucks_checked_in: int
    trucks_exited: int
    wait_for_call: TimesView
    call_to_exit: TimesView
    agencies: dict[str, TimesView]
    places_offered: int
    places_held: int
    use: float | None
    forecast: ForecastView

    @classmethod
    def of(cls, figures: DayFigures) -> DayView:
        return cls(
            figures.day,
            figures.made,
            figures.cancelled,
            figures.no_shows,
            figures.walk_ins,
            figures.checked_in,
            figures.exited,
            TimesView.of(figures.wait),
            TimesView.of(figures.call_to_exit),
            {agency: TimesView.of(times) for agency, times in figures.agencies.items()},
            figures.offered,
            figures.held,
            figures.use,
            ForecastView.of(figures.forecast),
        )


class GateDays(Output):
    """A page of a gate's days, oldest first; ``next_cursor`` (null on the last page) asks
    for the next. ``min_trucks``: below it a time is withheld."""

    gate: str
    direction: str | None
    from_: date = msgspec.field(name="from")
    to: date
    min_trucks: int
    days: list[DayView]
    next_cursor: str | None


class TypicalWaitView(Output):
    """The wait for a call of trucks checked in on ``weekday`` (Monday 0) at local ``hour``."""

    weekday: int
    hour: int
    wait_for_call: TimesView

    @classmethod
    def of(cls, typical: TypicalWait) -> TypicalWaitView:
        return cls(typical.weekday, typical.hour, TimesView.of(typical.wait))


class GateTypicalWaits(Output):
    """CBP's typical wait: per weekday and local hour (all 168, Monday 0:00 first) over the
    weeks ending at ``to`` (a local day, included)."""

    gate: str
    direction: str | None
    from_: date = msgspec.field(name="from")
    to: date
    min_trucks: int
    hours: list[TypicalWaitView]

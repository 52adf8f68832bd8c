"""The open data's shapes: counts and times only (gate/statistics/public.py says which time
figures are withheld and why)."""

from __future__ import annotations

from datetime import date

import msgspec

from gate.domain.statistics import Band
from gate.statistics.public import DayFigures, Forecast, Times, TypicalWait
from gate.statistics.reads import FeeDay
from services.common.schemas import Output


class BandView(Output):
    """A band of minutes, ``from_minutes`` included, ``to_minutes`` not (null: open, past
    the last bound). Times are counted in bands (0-5, 5-10, 10-15, 15-20, 20-30, 30-45,
    45-60, 60-90, 90-120, 120-180, 180-240, 240-360, 360-480, 480-720, 720-1440 and 1440
    minutes or more): a percentile is known only to lie in its band."""

    from_minutes: int | None
    to_minutes: int | None

    @classmethod
    def of(cls, band: Band | None) -> BandView | None:
        return None if band is None else cls(band.low, band.high)


class TimesView(Output):
    """A time: the trucks it is drawn from, its median and 90th percentile. Times are
    counted in bands of minutes, so ``median_band`` and ``p90_band`` are what is known: the
    band each lies in. ``median_minutes`` and ``p90_minutes`` are estimates inside the band,
    from the count and mean of its trucks where it holds ``min_trucks`` or more (else from
    its bounds alone): waits of seconds read a fraction of a minute, not 2.5. All null when
    fewer than ``min_trucks`` trucks (the 90th percentile: fewer than ten), withheld so that
    no truck's own time shows."""

    trucks: int
    median_minutes: float | None
    p90_minutes: float | None
    median_band: BandView | None
    p90_band: BandView | None

    @classmethod
    def of(cls, times: Times) -> TimesView:
        return cls(
            times.trucks,
            times.median_minutes,
            times.p90_minutes,
            BandView.of(times.median_band),
            BandView.of(times.p90_band),
        )


class ForecastView(Output):
    """The forecast's accuracy: of ``trucks`` called, the share (0 to 1) called within 15
    minutes of the time they were told (null below ``min_trucks``)."""

    trucks: int
    on_time_share: float | None

    @classmethod
    def of(cls, forecast: Forecast) -> ForecastView:
        return cls(forecast.trucks, forecast.on_time_share)


class FeesView(Output):
    """The infrastructure fee's totals of a day, in VND (whole dong) and counts, each on the
    day it happened: ``fees_fixed`` and ``fixed_vnd``, the fees fixed for crossings booked
    that day; ``received_by_qr_vnd`` (a payment provider's notification of a VietQR
    transfer) and ``received_in_cash_vnd`` (officers at the gate, with a receipt), the money
    received that day; ``refunded_vnd``, refunds owed that day; ``fees_voided`` and
    ``voided_vnd``, fees a cancellation in time voided that day. As they stand now, of the
    fees fixed that day: ``billed_to_statements_vnd`` (enterprises with a monthly agreement
    pay by statement, not at the gate) and ``outstanding_vnd`` (still owed)."""

    fees_fixed: int
    fixed_vnd: int
    received_by_qr_vnd: int
    received_in_cash_vnd: int
    billed_to_statements_vnd: int
    refunded_vnd: int
    fees_voided: int
    voided_vnd: int
    outstanding_vnd: int

    @classmethod
    def of(cls, fees: FeeDay | None) -> FeesView:
        if fees is None:
            return cls(0, 0, 0, 0, 0, 0, 0, 0, 0)
        return cls(
            fees.fixed,
            fees.fixed_vnd,
            fees.paid_provider_vnd,
            fees.paid_cash_vnd,
            fees.statement_vnd,
            fees.refunded_vnd,
            fees.voided,
            fees.voided_vnd,
            fees.outstanding_vnd,
        )


class DayView(Output):
    """One local day (Asia/Ho_Chi_Minh) of a gate. ``bookings_made``: every booking for the
    day's hours, walk-ins (booked at the gate on arrival) and bookings later cancelled
    included; ``cancelled``, ``no_shows`` and ``walk_ins`` are parts of it (so bookings made
    ahead and kept are ``bookings_made - walk_ins - cancelled - no_shows``). Trucks checked
    in, exited, ``turned_back`` (refused by an agency; they never exit) and ``expired``
    (checked in, never called, let go by the queue after a day). ``wait_for_call``: check-in
    to call, the expired trucks' waits included (a day each, at least); ``call_to_exit``;
    ``call_to_turn_back``: call to the refusal of a truck turned back. Each agency's time from
    the truck's arrival at the lane to its decision; places offered (the calendar's, in
    every hour, booked or not) and held by bookings (``use``: held over offered, 0 to 1 to
    three decimals, a tenth of a percent as the pages show it: 0.042 is 4.2 %); the
    forecast's accuracy; the infrastructure fee's totals (``fees``). ``complete``: false for
    today (the gates' local day), whose figures are so far and will grow."""

    day: date
    bookings_made: int
    cancelled: int
    no_shows: int
    walk_ins: int
    trucks_checked_in: int
    trucks_exited: int
    turned_back: int
    expired: int
    wait_for_call: TimesView
    call_to_exit: TimesView
    call_to_turn_back: TimesView
    agencies: dict[str, TimesView]
    places_offered: int
    places_held: int
    use: float | None
    forecast: ForecastView
    complete: bool
    fees: FeesView

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
            figures.turned_back,
            figures.expired,
            TimesView.of(figures.wait),
            TimesView.of(figures.call_to_exit),
            TimesView.of(figures.call_to_turn_back),
            {agency: TimesView.of(times) for agency, times in figures.agencies.items()},
            figures.offered,
            figures.held,
            figures.use,
            ForecastView.of(figures.forecast),
            figures.complete,
            FeesView.of(figures.fees),
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

"""A simulated day's lanes and service times, read from the rows.

* Service times: call to exit (``called_at`` to ``exited_at``; for a truck turned back, to
  its agencies' last ``decided_at``), per lane, from the day itself when it has at least
  ``MIN_SAMPLES``, else from the ``HISTORY_DAYS`` before it; a lane with fewer than
  ``MIN_SAMPLES`` of its own takes the pooled ones; with nothing measured, an exponential
  whose mean is the planned capacity shared by the open lanes (as the board's forecast does).
* Lanes of a past day: those that called trucks, each open from the hour of its first call
  to the end of the hour of its last. Lane openings and closings are not recorded (a lane's
  row holds its state now), so a past day on which no truck was called takes the lanes set
  open now, over the hours that day offered places. Today and days to come: the lanes set
  open, over the direction's opening hours (the calendar then is the calendar now).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from math import ceil, floor

from sqlalchemy import func, select

from gate.domain.bookings import BookingStatus
from gate.planning.model import LaneHours, ServiceTimes
from gate.planning.notes import Note, note
from gate.planning.rows import HISTORY_DAYS, minutes_into
from gate.store.tables import Booking, ClearanceDecisionRow, Gate, GateDirection, Lane
from gate.store.unit_of_work import UnitOfWork

MIN_SAMPLES = 5


async def lanes_and_service(
    uow: UnitOfWork,
    gate: Gate,
    direction: str,
    start: datetime,
    past: bool,
    places: Sequence[int | None],
    notes: list[Note],
) -> tuple[tuple[LaneHours, ...], dict[str, ServiceTimes], ServiceTimes | None]:
    """The lanes of the day from ``start`` (``past``: a day over, whose lanes are read from
    its calls; ``places``: the other side's places per hour, for a past day's hours), the
    service times per lane code and pooled (None: nothing measured)."""
    end = start + timedelta(days=1)
    codes: dict[str | None, str] = dict(
        (await uow.session.execute(select(Lane.id, Lane.code).where(Lane.gate_id == gate.id))).all()
    )
    day = await _served(uow, gate, direction, start, end)
    lanes: list[LaneHours] = []
    if past:
        spans: dict[str, tuple[float, float]] = {}
        for lane_id, called, ended in day:
            code = codes.get(lane_id, "?")
            first, last = spans.get(code, (called, ended))
            spans[code] = (min(first, called), max(last, ended))
        for code, (first, last) in sorted(spans.items()):
            hours = (floor(first / 60) * 60, min(24, ceil(last / 60)) * 60)
            lanes.append(LaneHours(code, (hours,)))
        if lanes:
            notes.append(note("lanes_measured", count=len(lanes)))
        else:
            offered = [hour for hour, limit in enumerate(places) if limit is None or limit > 0]
            lanes = await _configured_lanes(uow, gate, direction, _spans_of(offered))
            notes.append(note("lanes_unrecorded", count=len(lanes)))
    else:
        lanes = await _configured_lanes(uow, gate, direction, await _opening(uow, gate, direction))
        notes.append(note("lanes_configured", count=len(lanes)))
    samples = day
    if len(samples) < MIN_SAMPLES:
        samples = await _served(uow, gate, direction, start - timedelta(days=HISTORY_DAYS), end)
        notes.append(note("service_history", count=len(samples), days=HISTORY_DAYS))
    else:
        notes.append(note("service_day", count=len(samples)))
    per_lane: dict[str, list[float]] = defaultdict(list)
    for lane_id, called, ended in samples:
        per_lane[codes.get(lane_id, "?")].append(ended - called)
    service = {
        code: ServiceTimes(samples=tuple(times))
        for code, times in per_lane.items()
        if len(times) >= MIN_SAMPLES
    }
    every = tuple(time for times in per_lane.values() for time in times)
    if not every:
        notes.append(note("service_planned"))
    return tuple(lanes), service, ServiceTimes(samples=every) if every else None


def _spans_of(hours: list[int]) -> tuple[tuple[float, float], ...]:
    """Runs of consecutive hours as ``[start, end)`` minute spans."""
    spans: list[tuple[float, float]] = []
    for hour in hours:
        if spans and spans[-1][1] == hour * 60:
            spans[-1] = (spans[-1][0], (hour + 1) * 60)
        else:
            spans.append((hour * 60, (hour + 1) * 60))
    return tuple(spans)


async def _opening(uow: UnitOfWork, gate: Gate, direction: str) -> tuple[tuple[float, float], ...]:
    """The direction's opening hours as minute spans (past midnight: two spans)."""
    hours = await uow.session.get(GateDirection, (gate.id, direction))
    opens, closes = (hours.opens_at, hours.closes_at) if hours is not None else (0, 24)
    spans = (
        ((opens * 60, closes * 60),) if opens < closes else ((0, closes * 60), (opens * 60, 1440))
    )
    return tuple(s for s in spans if s[0] < s[1])


async def _configured_lanes(
    uow: UnitOfWork, gate: Gate, direction: str, spans: tuple[tuple[float, float], ...]
) -> list[LaneHours]:
    """The lanes of ``direction`` set open now, each open over ``spans``."""
    codes = await uow.session.scalars(
        select(Lane.code)
        .where(Lane.gate_id == gate.id, Lane.direction == direction, Lane.is_open.is_(True))
        .order_by(Lane.code)
    )
    return [LaneHours(code, spans) for code in codes]


async def _served(
    uow: UnitOfWork, gate: Gate, direction: str, start: datetime, end: datetime
) -> list[tuple[str | None, float, float]]:
    """Trucks called in ``[start, end)`` whose lane time ended (an exit, or the last decision
    of a truck turned back): (lane id, call, end) in minutes from ``start``."""
    last_decision = (
        select(
            ClearanceDecisionRow.booking_id, func.max(ClearanceDecisionRow.decided_at).label("at")
        )
        .group_by(ClearanceDecisionRow.booking_id)
        .subquery()
    )
    rows = await uow.session.execute(
        select(
            Booking.lane_id,
            Booking.called_at,
            Booking.exited_at,
            Booking.status,
            last_decision.c.at,
        )
        .outerjoin(last_decision, last_decision.c.booking_id == Booking.id)
        .where(Booking.gate_id == gate.id, Booking.direction == direction)
        .where(Booking.called_at >= start, Booking.called_at < end)
    )
    served: list[tuple[str | None, float, float]] = []
    for lane_id, called_at, exited_at, status, decided_at in rows.all():
        ended = exited_at
        if ended is None and status == BookingStatus.REJECTED.value:
            ended = decided_at
        if ended is not None and called_at is not None and ended >= called_at:
            served.append((lane_id, minutes_into(called_at, start), minutes_into(ended, start)))
    # In the calls' order, not the rows': service times are drawn from these samples by
    # position, so one seed gives one answer whatever order the database returned.
    served.sort(key=lambda row: (row[1], row[2], row[0] or ""))
    return served

"""A day's plan built from the database's own rows, so the simulator works without the
statistics' rollups: what one direction of a gate measured on a day (or, for a day still to
come, what is booked for it and what recent days measured).

* Arrivals: bookings' ``arrived_at`` on the day (local time), with their queue class; for a
  day with no arrival yet, the active bookings' slot hours stand in as the hourly pattern.
* Service times: call to exit (``called_at`` to ``exited_at``; for a truck turned back, to
  its agencies' last ``decided_at``), per lane, from the day itself when it has at least
  ``MIN_SAMPLES``, else from the ``HISTORY_DAYS`` before it; a lane with fewer than
  ``MIN_SAMPLES`` of its own takes the pooled ones; with nothing measured, an exponential
  whose mean is the planned capacity shared by the open lanes (as the board's forecast does).
* Lanes: those that called trucks on the day, each open from the hour of its first call to
  the end of the hour of its last; else the lanes set open, over the direction's hours.
* The other side's limit: the calendar's capacity of each hour (schedule, overrides,
  closures), the places agreed with the counterpart gate.
* What happened: each hour's mean wait, arrival to call, of the trucks that arrived in it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from math import ceil, floor

from sqlalchemy import func, select

from gate.domain.bookings import BookingStatus
from gate.domain.queue import QueueClass, ServiceCycle
from gate.domain.slots import DirectionSchedule
from gate.domain.time import LOCAL_TZ, as_utc
from gate.gates.calendar import gate_by_code, load_calendar, parse_direction
from gate.planning.model import Arrival, DayPlan, LaneHours, ServiceTimes
from gate.store.tables import Booking, ClearanceDecisionRow, Gate, GateDirection, Lane
from gate.store.unit_of_work import UnitOfWork

MIN_SAMPLES = 5
HISTORY_DAYS = 14
_NOT_COMING = (BookingStatus.CANCELLED.value, BookingStatus.NO_SHOW.value, "expired")


@dataclass(frozen=True, slots=True)
class MeasuredDay:
    """A day as measured: ``plan`` replays its arrivals exactly (the comparison's input);
    ``pattern()`` the same day with arrivals as an hourly pattern (the scenarios' input).
    ``actual_waits``: per hour, the mean wait in minutes of the trucks that arrived in it and
    were called (None without any); ``notes`` say where each part came from."""

    plan: DayPlan
    actual_waits: tuple[float | None, ...]
    notes: tuple[str, ...]

    def pattern(self) -> DayPlan:
        """The plan with the day's arrivals as expected counts per hour and class."""
        counts: dict[QueueClass, list[float]] = {}
        for arrival in self.plan.arrivals:
            per_hour = counts.setdefault(arrival.queue_class, [0.0] * self.plan.hours)
            per_hour[int(arrival.minute // 60)] += 1
        merged = dict(self.plan.arrivals_per_hour)
        for queue_class, per_hour in counts.items():
            before = merged.get(queue_class, (0.0,) * self.plan.hours)
            merged[queue_class] = tuple(a + b for a, b in zip(before, per_hour, strict=True))
        return replace(self.plan, arrivals=(), arrivals_per_hour=merged)


def day_start(day: date) -> datetime:
    """The instant (UTC) the local day begins at the gates."""
    return as_utc(datetime.combine(day, time(0), tzinfo=LOCAL_TZ))


async def measure_day(uow: UnitOfWork, gate_code: str, direction: str, day: date) -> MeasuredDay:
    """The day ``day`` (local) of ``direction`` at the gate ``gate_code`` as the database
    holds it. NotFound for an unknown gate or a direction it does not take, ValidationFailed
    for a direction that is not export or import."""
    gate = await gate_by_code(uow, gate_code)
    way = parse_direction(direction)
    start = day_start(day)
    end = start + timedelta(days=1)
    calendar = await load_calendar(uow, gate, way, start, end)
    notes: list[str] = []
    rows = (
        await uow.session.execute(
            select(Booking.arrived_at, Booking.called_at, Booking.queue_class, Booking.perishable)
            .where(Booking.gate_id == gate.id, Booking.direction == way.value)
            .where(Booking.arrived_at >= start, Booking.arrived_at < end)
        )
    ).all()
    arrivals: list[Arrival] = []
    waits: list[list[float]] = [[] for _ in range(24)]
    for arrived_at, called_at, queue_class, perishable in rows:
        assert arrived_at is not None  # selected by it
        minute = _minutes(arrived_at, start)
        arrivals.append(Arrival(minute, _class(queue_class, perishable)))
        if called_at is not None:
            waits[int(minute // 60)].append(_minutes(called_at, start) - minute)
    pattern: dict[QueueClass, tuple[float, ...]] = {}
    if arrivals:
        notes.append(f"arrivals: the {len(arrivals)} trucks that arrived that day")
    else:
        pattern = await _booked(uow, gate, way.value, start, end)
        booked = round(sum(sum(counts) for counts in pattern.values()))
        notes.append(f"arrivals: none measured; the {booked} trucks booked for that day")
    lanes, service, pooled = await _lanes_and_service(uow, gate, way.value, start, end, notes)
    return MeasuredDay(
        plan=DayPlan(
            hours=24,
            lanes=lanes,
            service_pooled=pooled
            or ServiceTimes(exponential_mean=_planned_mean(calendar.schedule, len(lanes))),
            service=service,
            arrivals_per_hour=pattern,
            arrivals=tuple(sorted(arrivals, key=lambda a: a.minute)),
            crossings_per_hour=tuple(
                calendar.capacity(start + timedelta(hours=h)).capacity for h in range(24)
            ),
            cycle=ServiceCycle.parse(gate.service_cycle),
        ),
        actual_waits=tuple(sum(w) / len(w) if w else None for w in waits),
        notes=tuple(notes),
    )


def _minutes(moment: datetime, start: datetime) -> float:
    return (moment - start).total_seconds() / 60


def _class(stored: str | None, perishable: bool) -> QueueClass:
    if stored in set(QueueClass):
        return QueueClass(stored)
    return QueueClass.PERISHABLE if perishable else QueueClass.REGULAR


def _planned_mean(schedule: DirectionSchedule, lanes: int) -> float:
    """Minutes per truck and lane when the lanes together serve the planned hourly capacity
    (10 minutes for a direction planned at 0)."""
    hourly = schedule.hourly_capacity
    return 60 * max(lanes, 1) / hourly if hourly else 10.0


async def _booked(
    uow: UnitOfWork, gate: Gate, direction: str, start: datetime, end: datetime
) -> dict[QueueClass, tuple[float, ...]]:
    rows = await uow.session.execute(
        select(Booking.slot_start, Booking.perishable, func.count())
        .where(Booking.gate_id == gate.id, Booking.direction == direction)
        .where(Booking.slot_start >= start, Booking.slot_start < end)
        .where(Booking.status.not_in(_NOT_COMING))
        .group_by(Booking.slot_start, Booking.perishable)
    )
    counts: dict[QueueClass, list[float]] = defaultdict(lambda: [0.0] * 24)
    for slot_start, perishable, count in rows.all():
        hour = min(23, int(_minutes(slot_start, start) // 60))
        counts[_class(None, perishable)][hour] += count
    return {queue_class: tuple(per_hour) for queue_class, per_hour in counts.items()}


async def _lanes_and_service(
    uow: UnitOfWork, gate: Gate, direction: str, start: datetime, end: datetime, notes: list[str]
) -> tuple[tuple[LaneHours, ...], dict[str, ServiceTimes], ServiceTimes | None]:
    codes: dict[str | None, str] = dict(
        (await uow.session.execute(select(Lane.id, Lane.code).where(Lane.gate_id == gate.id))).all()
    )
    today = await _served(uow, gate, direction, start, end)
    lanes: list[LaneHours] = []
    spans: dict[str, tuple[float, float]] = {}
    for lane_id, called, ended in today:
        code = codes.get(lane_id, "?")
        first, last = spans.get(code, (called, ended))
        spans[code] = (min(first, called), max(last, ended))
    for code, (first, last) in sorted(spans.items()):
        lanes.append(LaneHours(code, ((floor(first / 60) * 60, min(24, ceil(last / 60)) * 60),)))
    if lanes:
        notes.append(f"lanes: the {len(lanes)} that called trucks that day, over their hours")
    else:
        lanes = await _configured_lanes(uow, gate, direction)
        notes.append(f"lanes: the {len(lanes)} set open, over the direction's opening hours")
    samples = today
    if len(samples) < MIN_SAMPLES:
        samples = await _served(uow, gate, direction, start - timedelta(days=HISTORY_DAYS), end)
        notes.append(f"service: {len(samples)} calls to exit of the {HISTORY_DAYS} days before")
    else:
        notes.append(f"service: {len(samples)} calls to exit of that day")
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
        notes.append("service: nothing measured; the planned capacity shared by the lanes")
    return tuple(lanes), service, ServiceTimes(samples=every) if every else None


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
            served.append((lane_id, _minutes(called_at, start), _minutes(ended, start)))
    return served


async def _configured_lanes(uow: UnitOfWork, gate: Gate, direction: str) -> list[LaneHours]:
    hours = await uow.session.get(GateDirection, (gate.id, direction))
    opens, closes = (hours.opens_at, hours.closes_at) if hours is not None else (0, 24)
    spans = (
        ((opens * 60, closes * 60),) if opens < closes else ((0, closes * 60), (opens * 60, 1440))
    )
    codes = await uow.session.scalars(
        select(Lane.code)
        .where(Lane.gate_id == gate.id, Lane.direction == direction, Lane.is_open.is_(True))
        .order_by(Lane.code)
    )
    return [LaneHours(code, tuple(s for s in spans if s[0] < s[1])) for code in codes]

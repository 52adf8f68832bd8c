"""A day's plan built from the database's own rows, so the simulator works without the
statistics' rollups, and for a day that is over, what happened on it.

What a day is depends on when it is (``DayKind``):

* a past day: its arrivals (bookings' ``arrived_at``, with their class) replayed at their
  minutes; what happened summed up as the simulation sums up a replication
  (gate/planning/actual.py), so the page and ``gate simulate`` show it as measured beside
  the simulation of the same day, and the simulation's error;
* today: a forecast from now on, started from the yard as it is now (the trucks checked in
  and not yet called, with the time each has waited; the lanes finishing a truck; the
  current hour's crossings already used), with the lanes still to work and the bookings
  still to come as an hourly pattern by their slots' hours; beside it what was measured
  so far (the day's arrivals up to now, cut now as a past day is cut at closing);
* a day to come: its bookings (not cancelled nor lapsed) as an hourly pattern: a forecast.

Lanes and service times: gate/planning/lanes.py. The other side's places per hour: for a
past day, what its slots recorded (a slot keeps the capacity that held for it), and for its
hours without a slot the calendar as kept: closures and one hour's overrides are stored with
their times, but a direction's ordinary day (capacity per hour, opening hours) is one row
holding today's values, its history is not kept; the notes say how many hours came from
each. Today and days to come: the calendar (schedule, overrides, closures).
The usual arrival pattern per class (gate/planning/rows.py) is what extra trucks follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from gate.domain.queue import QueueClass, ServiceCycle
from gate.domain.slots import DirectionSchedule
from gate.domain.time import as_local, day_in_range, utc_now
from gate.gates.calendar import gate_by_code, load_calendar, parse_direction
from gate.planning.actual import observed
from gate.planning.forecast import summarise
from gate.planning.lanes import lanes_and_service
from gate.planning.model import Arrival, DayPlan, Forecast, ServiceTimes
from gate.planning.notes import Note, note
from gate.planning.now import YardNow, yard_now
from gate.planning.rows import (
    KEPT,
    STILL_COMING,
    booked,
    class_of,
    day_start,
    minutes_into,
    recorded_places,
    usual_arrivals,
)
from gate.store.tables import Booking
from gate.store.unit_of_work import UnitOfWork


class DayKind(StrEnum):
    """When the day is, seen from today: what its figures can be."""

    PAST = "past"  # over: measured figures, and the simulation of it compared with them
    TODAY = "today"  # under way: measured so far, and a forecast from the yard now on
    FUTURE = "future"  # to come: a forecast, from its bookings


@dataclass(frozen=True, slots=True)
class MeasuredDay:
    """A day read from the rows. ``plan``: the simulator's input for the day as it was (a
    past day's arrivals replayed) or as it is booked (today, to come); ``kind``: when it is;
    ``observed``: a past day's figures as measured, in the simulation's shape (None for a
    day not over); ``so_far``: today's figures measured up to now (``plan.start``), in the
    same shape (None for another day); ``usual``: per class, the trucks arrived in each
    local hour of the ``HISTORY_DAYS`` days up to the day (gate/planning/rows.py);
    ``notes``: where each part came from."""

    plan: DayPlan
    kind: DayKind
    observed: Forecast | None
    usual: Mapping[QueueClass, tuple[float, ...]]
    notes: tuple[Note, ...]
    so_far: Forecast | None = None


async def measure_day(
    uow: UnitOfWork, gate_code: str, direction: str, day: date, now: datetime | None = None
) -> MeasuredDay:
    """The day ``day`` (local) of ``direction`` at the gate ``gate_code`` as the database
    holds it, seen at ``now`` (an aware instant, default the clock's; today is its local
    date). NotFound for an unknown gate or a direction it does not take, ValidationFailed
    for a direction that is not export or import or a day outside ``FIRST_DAY`` to
    ``LAST_DAY`` (``gate/domain/time.py``: the page's and the open data's bounds too)."""
    day_in_range(day)
    now = now or utc_now()
    today = as_local(now).date()
    kind = DayKind.PAST if day < today else DayKind.TODAY if day == today else DayKind.FUTURE
    gate = await gate_by_code(uow, gate_code)
    way = parse_direction(direction)
    start = day_start(day)
    end = start + timedelta(days=1)
    calendar = await load_calendar(uow, gate, way, start, end)
    notes: list[Note] = []
    places: list[int | None] = [
        calendar.capacity(start + timedelta(hours=h)).capacity for h in range(24)
    ]
    if kind is DayKind.PAST:
        recorded = await recorded_places(uow, gate, way.value, start)
        places = [recorded.get(hour, places[hour]) for hour in range(24)]
        notes.append(note("places_recorded", recorded=len(recorded), other=24 - len(recorded)))
    else:
        notes.append(note("places_calendar"))
    trucks = await _arrived(uow, gate.id, way.value, start, min(end, now))
    arrivals = [Arrival(arrived, queue_class) for arrived, _, queue_class in trucks]
    pattern: dict[QueueClass, tuple[float, ...]] = {}
    yard = YardNow()
    if kind is DayKind.PAST:
        notes.append(note("arrivals_measured", count=len(arrivals)))
    elif kind is DayKind.TODAY:
        # The simulation starts now from the yard as it is; the arrivals so far are what
        # was measured so far, not replayed. The bookings not arrived yet come by their
        # slots' hours from this hour on (those of hours gone by are late or lapsing).
        yard = await yard_now(uow, gate, way.value, start, now)
        hour = as_local(now).replace(minute=0, second=0, microsecond=0)
        pattern = await booked(uow, gate, way.value, start, hour, STILL_COMING)
        coming = round(sum(sum(counts) for counts in pattern.values()))
        clock = {"hour": int(yard.start // 60), "minute": int(yard.start % 60)}
        notes.append(note("measured_so_far", count=len(arrivals), **clock))
        notes.append(note("arrivals_today", booked=coming, **clock))
        notes.append(note("queue_now", **yard.counts(), **clock))
        arrivals = []
    else:
        arrivals = []
        pattern = await booked(uow, gate, way.value, start, start, KEPT)
        coming = round(sum(sum(counts) for counts in pattern.values()))
        notes.append(note("arrivals_booked", booked=coming))
    lanes, service, pooled = await lanes_and_service(
        uow, gate, way.value, start, kind is DayKind.PAST, places, notes
    )
    notes.append(note("closing"))
    plan = DayPlan(
        hours=24,
        lanes=lanes,
        service_pooled=pooled
        or ServiceTimes(exponential_mean=_planned_mean(calendar.schedule, len(lanes))),
        service=service,
        arrivals_per_hour=pattern,
        arrivals=tuple(sorted(arrivals, key=lambda a: a.minute)),
        crossings_per_hour=tuple(places),
        cycle=ServiceCycle.parse(gate.service_cycle),
        start=yard.start,
        waiting=yard.waiting,
        busy=yard.busy,
        crossed=yard.crossed,
    )
    so_far = None
    if kind is DayKind.TODAY:
        so_far = summarise(24, [observed(trucks, cut=yard.start)], None)
    return MeasuredDay(
        plan=plan,
        kind=kind,
        observed=summarise(24, [observed(trucks)], None) if kind is DayKind.PAST else None,
        usual=await usual_arrivals(uow, gate, way.value, day, today),
        notes=tuple(notes),
        so_far=so_far,
    )


async def _arrived(
    uow: UnitOfWork, gate_id: str, direction: str, start: datetime, end: datetime
) -> list[tuple[float, float | None, QueueClass]]:
    """The trucks that arrived in ``[start, end)``: (arrival, call or None, class), minutes
    from ``start``."""
    rows = await uow.session.execute(
        select(Booking.arrived_at, Booking.called_at, Booking.queue_class, Booking.perishable)
        .where(Booking.gate_id == gate_id, Booking.direction == direction)
        .where(Booking.arrived_at >= start, Booking.arrived_at < end)
    )
    trucks: list[tuple[float, float | None, QueueClass]] = []
    for arrived_at, called_at, queue_class, perishable in rows.all():
        assert arrived_at is not None  # selected by it
        called = None if called_at is None else minutes_into(called_at, start)
        trucks.append((minutes_into(arrived_at, start), called, class_of(queue_class, perishable)))
    # By arrival, not in the rows' order (which a database may change between two reads):
    # the simulation replays them in this order, so one seed gives one answer.
    trucks.sort(key=lambda truck: (truck[0], -1.0 if truck[1] is None else truck[1], truck[2]))
    return trucks


def _planned_mean(schedule: DirectionSchedule, lanes: int) -> float:
    """Minutes per truck and lane when the lanes together serve the planned hourly capacity
    (10 minutes for a direction planned at 0)."""
    hourly = schedule.hourly_capacity
    return 60 * max(lanes, 1) / hourly if hourly else 10.0

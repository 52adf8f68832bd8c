"""The planner's day, told truly: lanes work their hours and trucks left at closing are
counted apart with censored waits (not served overnight); extra trucks arrive by the
measured pattern of their class (else the direction's, else evenly over the lanes' hours);
a measured day is summed up by the simulation's own definitions (gate/planning/actual.py)."""

from __future__ import annotations

from statistics import fmean

import pytest

from gate.domain.queue import QueueClass
from gate.planning.actual import observed
from gate.planning.forecast import forecast, summarise
from gate.planning.model import Arrival, DayPlan, LaneHours, ServiceTimes
from gate.planning.scenarios import Scenario, apply, spread

# Two lanes of 6 minutes from 08:00 to 12:00 (20 trucks an hour together); a truck every 3
# minutes from 08:00 to 16:00 (20 an hour): served on arrival while the lanes work, then the
# afternoon's 80 trucks find no lane.
ARRIVALS = tuple(Arrival(480 + 3 * n) for n in range(160))


def _morning_lanes() -> DayPlan:
    return DayPlan(
        hours=24,
        lanes=(LaneHours("A", ((480, 720),)), LaneHours("B", ((480, 720),))),
        service_pooled=ServiceTimes(samples=(6.0,)),
        arrivals=ARRIVALS,
    )


def test_trucks_left_when_the_lanes_close_are_still_waiting_at_closing_not_served_overnight():
    planned = forecast(_morning_lanes(), count=3)
    left = [arrival.minute for arrival in ARRIVALS if arrival.minute >= 720]
    assert len(left) == 80
    assert planned.still_waiting == 80
    # Their waits are censored at the day's end (a lower bound), reported apart...
    assert planned.censored_wait == pytest.approx(fmean(1440 - minute for minute in left))
    # ...and not in the mean wait, which is of the trucks called: the morning's, at once.
    assert planned.mean_wait == pytest.approx(0, abs=0.01)
    assert planned.trucks == 160
    assert all(hour.calls == 0 for hour in planned.hours[12:])
    assert [hour.still_waiting for hour in planned.hours[12:16]] == [20, 20, 20, 20]
    assert all(hour.mean_wait is None for hour in planned.hours[12:16])
    # The queue grows from noon and stays to the day's end: 80 trucks in its last hour.
    assert planned.hours[23].mean_queue == 80


def test_a_measured_day_is_cut_at_closing_as_the_simulation_is():
    # Arrived 10:00, called 10:30; arrived 23:00, called 06:00 the next day; never called.
    run = observed(
        [
            (600.0, 630.0, QueueClass.REGULAR),
            (1380.0, 1440.0 + 360, QueueClass.PERISHABLE),
            (1400.0, None, QueueClass.REGULAR),
        ]
    )
    assert run.waits == [(600.0, 30.0)] and run.calls[10] == 1 and sum(run.calls) == 1
    assert run.censored == [(1380.0, 60.0), (1400.0, 40.0)]
    assert run.queue_minutes[10] == 30 and run.queue_minutes[23] == 60 + 40
    day = summarise(24, [run], None)
    assert day.mean_wait == 30 and day.still_waiting == 2 and day.censored_wait == 50
    assert day.trucks == 3 and day.hours[23].still_waiting == 2
    assert day.wait_half_width is None and day.seed is None


def _busy_day() -> DayPlan:
    """Regular trucks 35 an hour from 08:00 to 18:00, four 6-minute lanes 06:00 to 22:00."""
    return DayPlan(
        hours=24,
        lanes=tuple(LaneHours(f"X{n}", ((360, 1320),)) for n in range(1, 5)),
        service_pooled=ServiceTimes(exponential_mean=6.0),
        arrivals_per_hour={
            QueueClass.REGULAR: tuple(35.0 if 8 <= hour < 18 else 0.0 for hour in range(24))
        },
    )


def test_extra_trucks_arrive_as_their_class_usually_arrives():
    # Durian (perishable) usually comes in the afternoon, 3 in 4 of it between 14:00 and 15:00;
    # regular trucks in the morning. The day itself has only regular trucks.
    durian = tuple(30.0 if h == 14 else 10.0 if h == 15 else 0.0 for h in range(24))
    regular = tuple(50.0 if 8 <= h < 11 else 0.0 for h in range(24))
    usual = {QueueClass.PERISHABLE: durian, QueueClass.REGULAR: regular}
    day = _busy_day()
    more = apply(day, Scenario.parse(extra=["300:perishable"]), usual)
    expected = [0.75 if h == 14 else 0.25 if h == 15 else 0.0 for h in range(24)]
    (drawn,) = more.drawn
    assert (drawn.queue_class, drawn.count) == (QueueClass.PERISHABLE, 300)
    assert drawn.shares == pytest.approx(expected)
    assert more.arrivals_per_hour == day.arrivals_per_hour
    assert spread(day, QueueClass.PERISHABLE, usual)[1] == "extra_class"
    # The simulated arrivals follow: the same regular trucks (the same seed), and the extra
    # ones in the two afternoon hours only, 225 and 75 on average over the replications,
    # exactly 300 in each.
    base, planned = forecast(day), forecast(more)
    pairs = zip(base.hours, planned.hours, strict=True)
    added = [after.arrivals - before.arrivals for before, after in pairs]
    assert added[14] == pytest.approx(225, abs=15) and added[15] == pytest.approx(75, abs=15)
    assert all(added[hour] == 0 for hour in range(24) if hour not in (14, 15))
    assert planned.trucks - base.trucks == pytest.approx(300)


def test_extra_trucks_of_a_class_never_seen_follow_the_direction_else_the_lanes_hours():
    usual = {QueueClass.REGULAR: tuple(10.0 if h in (9, 10) else 0.0 for h in range(24))}
    shape, why = spread(_busy_day(), QueueClass.AEO, usual)
    assert why == "extra_direction"
    assert shape[9] == shape[10] == 0.5 and sum(shape) == pytest.approx(1)
    shape, why = spread(_busy_day(), QueueClass.AEO, {})
    assert why == "extra_even"
    # Evenly over 06:00 to 22:00, the lanes' hours, and never when no lane works.
    assert shape[6] == pytest.approx(1 / 16) and shape[5] == 0 and shape[22] == 0


def test_without_a_measured_pattern_extra_trucks_follow_the_days_own_arrivals():
    more = apply(_busy_day(), Scenario.parse(extra=["100:regular"]))
    assert more.drawn[0].shares[8] == pytest.approx(0.1)
    assert more.drawn[0].shares[7] == 0

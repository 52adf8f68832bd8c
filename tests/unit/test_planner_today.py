"""Today's forecast starts now from the yard as it is: the trucks waiting keep the time they
have already waited, a lane finishing a truck is busy for the rest of it, the hour's
crossings already used count; expected arrivals come only from now on. A scenario's extra
trucks are exactly the number asked, today only from now on; and a lane change closing more
lanes than are open then is refused."""

from __future__ import annotations

import random
from statistics import fmean

import pytest

from gate.domain.errors import ValidationFailed
from gate.domain.queue import QueueClass
from gate.planning.forecast import forecast
from gate.planning.model import Arrival, DayPlan, LaneHours, ServiceTimes
from gate.planning.scenarios import LaneChange, Scenario, apply, extra_notes, spread
from gate.planning.simulation import replications

NOW = 9 * 60 + 8  # 09:08
# Five trucks checked in from 08:40 to 09:00 and not yet called at 09:08.
QUEUE = tuple(Arrival(520.0 + 5 * n) for n in range(5))


def _today(**changes: object) -> DayPlan:
    """One lane of 10 minutes a truck, open 06:00 to 22:00, seen at 09:08."""
    plan: dict[str, object] = {
        "hours": 24,
        "lanes": (LaneHours("X1", ((360.0, 1320.0),)),),
        "service_pooled": ServiceTimes(samples=(10.0,)),
        "start": float(NOW),
        "waiting": QUEUE,
    }
    plan.update(changes)
    return DayPlan(**plan)  # type: ignore[arg-type]


def test_the_trucks_waiting_now_keep_the_time_they_have_waited():
    run = next(replications(_today(), 1, 17))
    # Called one after the other from 09:08, every 10 minutes, in the order they came.
    waits = [NOW + 10 * n - truck.minute for n, truck in enumerate(QUEUE)]
    assert run.waits == [(truck.minute, wait) for truck, wait in zip(QUEUE, waits, strict=True)]
    assert all(wait >= NOW - arrived for arrived, wait in run.waits)
    planned = forecast(_today(), count=3)
    assert planned.trucks == 5 and planned.still_waiting == 0
    assert planned.mean_wait == pytest.approx(fmean(waits))
    # Nothing is simulated before now: no call, no queue in the hours gone by.
    assert all(hour.calls == 0 and hour.mean_queue == 0 for hour in planned.hours[:9])
    # The queue from 09:08: four once the first is called, one fewer every ten minutes.
    assert planned.hours[9].mean_queue == pytest.approx((4 + 3 + 2 + 1) * 10 / 60)


def test_a_truck_waiting_since_before_midnight_counts_in_the_first_hour():
    plan = _today(waiting=(Arrival(-30.0),))
    planned = forecast(plan, count=2)
    assert planned.hours[0].arrivals == 1 and planned.hours[23].arrivals == 0
    assert planned.hours[0].mean_wait == pytest.approx(NOW + 30)


def test_a_lane_finishing_a_truck_is_busy_for_the_rest_of_its_time():
    # X1's truck has been at it 4 of its 10 minutes: its first call is at 09:14.
    run = next(replications(_today(busy={"X1": 4.0}), 1, 17))
    assert run.waits[0] == (520.0, NOW + 6 - 520.0)
    rng = random.Random(1)
    assert ServiceTimes(samples=(3.0, 10.0, 20.0)).rest(8.0, rng) in (2.0, 12.0)
    # Past every time measured: it may leave at any moment.
    assert ServiceTimes(samples=(3.0, 10.0)).rest(15.0, rng) == 0


def test_the_crossings_already_used_this_hour_count():
    # The other side takes 3 trucks an hour and 3 were called since 09:00: none before 10:00.
    plan = _today(crossings_per_hour=(3,) * 24, crossed={9: 3})
    run = next(replications(plan, 1, 17))
    assert run.calls[9] == 0 and run.calls[10] == 3
    assert run.waits[0] == (520.0, 600.0 - 520.0)


def test_expected_arrivals_come_only_from_now_and_the_hour_under_way_keeps_its_count():
    arrivals = {QueueClass.REGULAR: tuple(12.0 if h in (8, 9) else 0.0 for h in range(24))}
    runs = list(replications(_today(waiting=(), arrivals_per_hour=arrivals), 200, 17))
    came = [[m for m, _ in run.waits + run.censored] for run in runs]
    assert all(minute >= NOW for minutes in came for minute in minutes)
    # The 09:00 hour's 12 come in its 52 minutes left; the 08:00 hour's are gone.
    assert fmean(len(minutes) for minutes in came) == pytest.approx(12, abs=1)


def test_extra_trucks_are_exactly_the_number_asked_in_every_replication():
    fixed = tuple(Arrival(480.0 + 2 * n) for n in range(30))
    day = DayPlan(
        hours=24,
        lanes=(LaneHours("X1", ((360.0, 1320.0),)),),
        service_pooled=ServiceTimes(exponential_mean=5.0),
        arrivals=fixed,
    )
    more = apply(day, Scenario.parse(extra=["37:perishable"]))
    # Not 37 on average (a Poisson number around it): 37 in every replication.
    for run in replications(more, 20, 17):
        assert len(run.waits) + len(run.censored) == 30 + 37
    notes = extra_notes(day, Scenario.parse(extra=["37:perishable"]), {}, 14)
    assert ("extra_exact", (("count", 37), ("hour", 0), ("minute", 0))) in [
        (n.key, n.values) for n in notes
    ]


def test_todays_extra_trucks_come_from_now_on_only():
    usual = {QueueClass.REGULAR: tuple(10.0 for _ in range(24))}
    shares, why = spread(_today(), QueueClass.REGULAR, usual)
    assert why == "extra_class" and sum(shares) == pytest.approx(1)
    assert all(share == 0 for share in shares[:9])
    # The hour under way weighs by what is left of it: 52 of its 60 minutes.
    assert shares[9] == pytest.approx(shares[10] * 52 / 60)
    more = apply(_today(waiting=()), Scenario.parse(extra=["100:regular"]), usual)
    for run in replications(more, 5, 17):
        assert len(run.waits) + len(run.censored) == 100
        assert min(minute for minute, _ in run.waits + run.censored) >= NOW
    notes = extra_notes(_today(), Scenario.parse(extra=["100:regular"]), usual, 14)
    assert dict(notes[1].values) == {"count": 100, "hour": 9, "minute": 8}


def test_a_pattern_with_nothing_left_today_falls_to_the_next_rule():
    # Durian came only between 06:00 and 08:00: at 09:08 that pattern has nothing left.
    usual = {
        QueueClass.PERISHABLE: tuple(5.0 if h in (6, 7) else 0.0 for h in range(24)),
        QueueClass.REGULAR: tuple(5.0 if h in (6, 7, 15) else 0.0 for h in range(24)),
    }
    shares, why = spread(_today(), QueueClass.PERISHABLE, usual)
    assert why == "extra_direction" and shares[15] == 1
    shares, why = spread(_today(), QueueClass.PERISHABLE, {})
    assert why == "extra_even" and all(share == 0 for share in shares[:9])
    assert shares[9] == pytest.approx(shares[10] * 52 / 60)


def test_a_lane_change_below_zero_lanes_is_refused():
    two = DayPlan(
        hours=24,
        lanes=(LaneHours("X1", ((360.0, 1320.0),)), LaneHours("X2", ((360.0, 1320.0),))),
        service_pooled=ServiceTimes(exponential_mean=5.0),
    )
    assert LaneChange.parse("-1@16:00") == LaneChange(-1, 960)
    closed = apply(two, Scenario.parse(lanes=["-2@09:00"]))
    assert all(end == 540 for lane in closed.lanes for _, end in lane.open)
    with pytest.raises(ValidationFailed) as refused:
        apply(two, Scenario.parse(lanes=["-5@09:00"]))
    assert "at 09:00 2 lane(s) are open: 5 cannot be closed" in refused.value.detail
    assert refused.value.extensions == {
        "field": "lanes", "lanes_open": 2, "closing": 5, "minute": 540
    }  # fmt: skip
    # Before the lanes open there is none to close; one closed, the next one fewer finds one.
    with pytest.raises(ValidationFailed):
        apply(two, Scenario.parse(lanes=["-1@05:00"]))
    with pytest.raises(ValidationFailed):
        apply(two, Scenario.parse(lanes=["-1@09:00", "-2@10:00"]))

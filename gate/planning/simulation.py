"""The simulation of one gate direction's day with SimPy, replicated with seeded randomness.

What is modelled: trucks arrive (the plan's hourly pattern as a Poisson process per hour and
class, the plan's fixed arrivals, and its drawn ones: exactly so many at random times); they
wait in the control yard's queue, one FIFO per class, and a free lane calls the next truck
by the gate's priority cycle between classes (the same rule as gate/domain/queue.py's
``next_turn``: the turn's class, else the next class of the cycle with someone waiting, else
a class outside the cycle); an open lane holds the truck for its service time (call to
exit); a lane calls nobody while it is closed or while the hour's crossings to the other
side are used up, and then waits for the next opening or hour.

After the lanes' hours: a lane calls nobody outside its hours, and the run ends with the
simulated day (its ``hours``). Trucks still waiting then are not served in some imagined
overtime nor the next morning: they are "still waiting at closing", counted apart
(``Run.censored``), each with the wait it had reached by then, which is a lower bound of its
wait (censored). Their waits are left out of the mean and percentile waits, which are of
the trucks called, and reported beside them; the measured day is cut the same way
(gate/planning/actual.py), so the two compare. A day replayed or to come starts at
midnight with an empty yard; today starts now (``DayPlan.start``) from the yard as it is: the
trucks waiting, with the time each has already waited (those left from the day before too),
the lanes finishing a truck (the rest of a service time longer than it has taken so far) and
the current hour's crossings already used.

What is left out: the order within a class by slot and lateness (on-time trucks before those
behind), missed calls and trucks skipped, holds and rejections (they are in the measured
service times only as far as they ended in an exit), the agencies' separate steps, and trucks
that give up.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from math import floor
from typing import Any

import simpy

from gate.domain.queue import QueueClass
from gate.planning.model import Arrival, DayPlan, LaneHours, ServiceTimes


@dataclass(slots=True)
class Run:
    """What one replication (or the measured day) saw: each called truck's (arrival minute,
    wait in minutes) and, in the same order, its class; each truck still waiting at closing
    as (arrival minute, wait until closing: a lower bound); the time integral of the queue's
    length per hour of the day (truck-minutes), and calls per hour."""

    waits: list[tuple[float, float]] = field(default_factory=list)
    classes: list[QueueClass] = field(default_factory=list)
    censored: list[tuple[float, float]] = field(default_factory=list)
    queue_minutes: list[float] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)

    @property
    def uncalled(self) -> int:
        """How many trucks were still waiting at closing."""
        return len(self.censored)


class _Yard:
    """The control yard's queue: one FIFO per class, called by the priority cycle."""

    def __init__(self, env: simpy.Environment, plan: DayPlan, run: Run) -> None:
        self.env = env
        self.plan = plan
        self.run = run
        self.waiting: dict[QueueClass, deque[Arrival]] = {c: deque() for c in QueueClass}
        self.length = 0
        self.position = 0
        self.turns = plan.cycle.turns
        self.outside = plan.cycle.classes_outside()
        self.crossed: dict[int, int] = dict(plan.crossed)
        self.wake = env.event()
        self._since = env.now

    def _tally(self) -> None:
        """Add the queue's length over the time since the last change to the hours it spans."""
        now, start, day_end = self.env.now, self._since, self.plan.hours * 60
        while start < now and start < day_end:
            hour = int(start // 60)
            upto = min(now, (hour + 1) * 60, day_end)
            self.run.queue_minutes[hour] += self.length * (upto - start)
            start = upto
        self._since = now

    def arrive(self, truck: Arrival) -> None:
        self._tally()
        self.waiting[truck.queue_class].append(truck)
        self.length += 1
        woken, self.wake = self.wake, self.env.event()
        woken.succeed()

    def limit_wait(self) -> float:
        """Minutes until the next hour when this hour's crossings are used up, else 0."""
        hour = floor(self.env.now / 60)
        limit = self.plan.crossings_in(hour)
        if limit is None or self.crossed.get(hour, 0) < limit:
            return 0.0
        return (hour + 1) * 60 - self.env.now

    def call(self) -> Arrival | None:
        """The next truck by the cycle, taken off the queue; None when nobody waits."""
        chosen: QueueClass | None = None
        start = self.position % len(self.turns)
        for step in range(len(self.turns)):
            index = (start + step) % len(self.turns)
            if self.waiting[self.turns[index]]:
                chosen, self.position = self.turns[index], (index + 1) % len(self.turns)
                break
        else:
            chosen = next((c for c in self.outside if self.waiting[c]), None)
        if chosen is None:
            return None
        self._tally()
        truck = self.waiting[chosen].popleft()
        self.length -= 1
        hour = floor(self.env.now / 60)
        self.crossed[hour] = self.crossed.get(hour, 0) + 1
        if hour < self.plan.hours:  # an event at the closing instant itself
            self.run.calls[hour] += 1
        self.run.waits.append((truck.minute, self.env.now - truck.minute))
        self.run.classes.append(truck.queue_class)
        return truck

    def close(self) -> None:
        """Closing: who still waits is counted apart, with the wait reached so far."""
        self._tally()
        for queue in self.waiting.values():
            for truck in queue:
                self.run.censored.append((truck.minute, self.env.now - truck.minute))


def _next_opening(lane: LaneHours, now: float) -> float | None:
    """The first minute from ``now`` on when the lane is open; None when it opens no more
    that day."""
    for start, end in sorted(lane.open):
        if start <= now < end:
            return now
        if now < start:
            return start
    return None


def _lane(
    yard: _Yard, lane: LaneHours, service: ServiceTimes, rng: random.Random
) -> Generator[simpy.Event, Any, None]:
    env = yard.env
    elapsed = yard.plan.busy.get(lane.code)
    if elapsed is not None:  # finishing the truck it is serving at the start
        yield env.timeout(service.rest(elapsed, rng))
    while True:
        opening = _next_opening(lane, env.now)
        if opening is None:
            return
        if opening > env.now:
            yield env.timeout(opening - env.now)
            continue
        limit = yard.limit_wait()
        if limit:
            yield env.timeout(limit)
            continue
        truck = yard.call()
        if truck is None:
            yield yard.wake
            continue
        yield env.timeout(service.draw(rng))


def _arrivals(plan: DayPlan, rng: random.Random) -> list[Arrival]:
    """The plan's fixed arrivals; per hour and class, a Poisson process bringing the hour's
    expected count over what is left of the hour at the start; the drawn arrivals, each
    in an hour drawn by its shares and at a uniform minute of what is left of it."""
    trucks = list(plan.arrivals)
    for queue_class, per_hour in plan.arrivals_per_hour.items():
        for hour, count in enumerate(per_hour):
            begin, end = max(hour * 60.0, plan.start), (hour + 1) * 60.0
            if count <= 0 or begin >= end:
                continue
            rate = count / (end - begin)
            minute = begin + rng.expovariate(rate)
            while minute < end:
                trucks.append(Arrival(minute, queue_class))
                minute += rng.expovariate(rate)
    for more in plan.drawn:
        for hour in rng.choices(range(plan.hours), weights=more.shares, k=more.count):
            begin, end = max(hour * 60.0, plan.start), (hour + 1) * 60.0
            trucks.append(Arrival(begin + (end - begin) * rng.random(), more.queue_class))
    trucks.sort(key=lambda truck: truck.minute)
    return trucks


def _arrive(yard: _Yard, trucks: list[Arrival]) -> Generator[simpy.Event, Any, None]:
    for truck in trucks:
        if truck.minute > yard.env.now:
            yield yard.env.timeout(truck.minute - yard.env.now)
        yard.arrive(truck)


def replicate(plan: DayPlan, rng: random.Random) -> Run:
    """One replication of the day with the random numbers of ``rng``."""
    env = simpy.Environment(initial_time=plan.start)
    run = Run(queue_minutes=[0.0] * plan.hours, calls=[0] * plan.hours)
    yard = _Yard(env, plan, run)
    for truck in sorted(plan.waiting, key=lambda truck: truck.minute):
        yard.arrive(truck)
    env.process(_arrive(yard, _arrivals(plan, rng)))
    for lane in plan.lanes:
        env.process(_lane(yard, lane, plan.service_of(lane.code), rng))
    # Closing: the day's end. A lane serving a truck then finishes it, but it is not called
    # again and nobody else is (the run stops).
    env.run(until=plan.hours * 60)
    yard.close()
    return run


def replications(plan: DayPlan, count: int, seed: int) -> Iterator[Run]:
    """``count`` replications, the i-th seeded from ``seed`` and i: the same seed gives the
    same runs, and adding replications keeps the first ones."""
    for index in range(count):
        # Reproducible by design (a simulation, not a secret): a seeded PRNG is what is wanted.
        yield replicate(plan, random.Random(seed * 1_000_003 + index))  # noqa: S311

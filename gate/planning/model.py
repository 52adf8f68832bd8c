"""What the simulator takes and what it answers: plain shapes, filled from the database's rows
(gate/planning/measured.py), from the statistics' rollups, or by hand (the theory check).

Time is in minutes from the start of the simulated day (local midnight, Asia/Ho_Chi_Minh);
the day is ``hours`` long, 24 for a real day and longer for a steady-state experiment.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

from gate.domain.errors import ValidationFailed
from gate.domain.queue import DEFAULT_CYCLE, QueueClass, ServiceCycle


@dataclass(frozen=True, slots=True)
class Arrival:
    """One truck that arrives at the control yard ``minute`` minutes into the day."""

    minute: float
    queue_class: QueueClass = QueueClass.REGULAR


@dataclass(frozen=True, slots=True)
class LaneHours:
    """A lane and when it is open: ``[start, end)`` intervals in minutes into the day. A lane
    that closes finishes the truck it is serving first."""

    code: str
    open: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        for start, end in self.open:
            if not 0 <= start < end:
                raise ValidationFailed(
                    f"lane {self.code} opens at minute {start} and closes at {end}", field="lanes"
                )


@dataclass(frozen=True, slots=True)
class ServiceTimes:
    """How long a lane holds a truck, call to exit, in minutes.

    With ``samples`` (measured times) each truck's time is drawn from them with replacement:
    the measured shape (a long tail of physical inspections) is kept and no distribution is
    assumed. With ``exponential_mean`` and no samples it is exponential with that mean (the
    theory check, and a plan with nothing measured yet). ValidationFailed when neither is
    given or a time is negative."""

    samples: tuple[float, ...] = ()
    exponential_mean: float | None = None

    def __post_init__(self) -> None:
        if not self.samples and not (self.exponential_mean and self.exponential_mean > 0):
            raise ValidationFailed(
                "service times need measured samples or a positive mean", field="service"
            )
        if any(sample < 0 for sample in self.samples):
            raise ValidationFailed("a service time is never negative", field="service")

    def draw(self, rng: random.Random) -> float:
        """One truck's time at the lane, in minutes."""
        if self.samples:
            return rng.choice(self.samples)
        assert self.exponential_mean is not None  # checked when made
        return rng.expovariate(1 / self.exponential_mean)

    def rest(self, elapsed: float, rng: random.Random) -> float:
        """The minutes left of a truck at the lane for ``elapsed`` minutes already: a measured
        time longer than ``elapsed``, drawn, less ``elapsed`` (0 when none is that long: the
        truck is past every time measured and may leave any moment); exponential times
        forget what has elapsed (a fresh draw)."""
        if not self.samples:
            return self.draw(rng)
        longer = [sample - elapsed for sample in self.samples if sample > elapsed]
        return rng.choice(longer) if longer else 0.0


@dataclass(frozen=True, slots=True)
class DrawnArrivals:
    """Exactly ``count`` trucks of ``queue_class`` in every replication, each arriving at a
    time drawn at random: an hour by ``shares`` (one per hour of the day, summing to 1),
    then a minute uniformly within it (from the plan's ``start`` on). A scenario's extra
    trucks: the number asked, not a random number around it."""

    queue_class: QueueClass
    count: int
    shares: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class DayPlan:
    """The simulator's input for one direction of one gate over ``hours`` hours.

    * ``arrivals_per_hour``: expected trucks per hour for each class (``hours`` numbers each);
      within an hour they come as a Poisson process at that rate, so each replication draws
      its own day around the measured pattern.
    * ``arrivals``: trucks that come at exactly these times in every replication (a past day
      replayed); both kinds may be given.
    * ``lanes`` and their hours; ``service`` per lane code, ``service_pooled`` for a lane
      with none of its own (a lane a scenario opens).
    * ``crossings_per_hour``: how many trucks the other side takes each hour (None: no limit);
      a lane calls nobody in an hour whose crossings are used up.
    * ``cycle``: the queue's priority cycle between classes.
    * ``drawn``: exactly so many trucks more, at random times (a scenario's extra trucks).
    * ``start``: the minute the simulation starts (0, or now for today); then ``waiting``,
      the trucks already in the queue with the minute each arrived (before ``start``,
      before the day's midnight for a truck left from the day before), ``busy``, per lane
      code the minutes its truck under way has already been at it, and ``crossed``, per
      hour of the day the trucks already called in it (they count against ``crossings``).
      Fixed arrivals come from ``start`` on; an hour's expected arrivals come in what is
      left of it at ``start`` (none in the hours over).
    """

    hours: int
    lanes: tuple[LaneHours, ...]
    service_pooled: ServiceTimes
    service: Mapping[str, ServiceTimes] = field(default_factory=dict)
    arrivals_per_hour: Mapping[QueueClass, tuple[float, ...]] = field(default_factory=dict)
    arrivals: tuple[Arrival, ...] = ()
    crossings_per_hour: tuple[int | None, ...] = ()
    cycle: ServiceCycle = DEFAULT_CYCLE
    drawn: tuple[DrawnArrivals, ...] = ()
    start: float = 0.0
    waiting: tuple[Arrival, ...] = ()
    busy: Mapping[str, float] = field(default_factory=dict)
    crossed: Mapping[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.hours < 1:
            raise ValidationFailed("a plan covers at least one hour", field="hours")
        if not 0 <= self.start < self.hours * 60:
            raise ValidationFailed("the simulation starts within the day", field="start")
        if any(truck.minute > self.start for truck in self.waiting):
            raise ValidationFailed(
                "a truck waiting at the start arrived before it", field="waiting"
            )
        gone = int(self.start // 60)  # hours wholly before the start: no room for a truck
        for more in self.drawn:
            if (
                len(more.shares) != self.hours
                or any(share < 0 for share in more.shares)
                or (more.count and (sum(more.shares) <= 0 or any(more.shares[:gone])))
            ):
                raise ValidationFailed(
                    f"{more.queue_class.value} drawn arrivals need {self.hours} shares, none "
                    "negative, none in an hour over",
                    field="drawn",
                )
        for queue_class, counts in self.arrivals_per_hour.items():
            if len(counts) != self.hours or any(count < 0 for count in counts):
                raise ValidationFailed(
                    f"{queue_class.value} arrivals need {self.hours} counts, none negative",
                    field="arrivals_per_hour",
                )
        if self.crossings_per_hour and len(self.crossings_per_hour) != self.hours:
            raise ValidationFailed(
                f"crossings per hour need {self.hours} values", field="crossings_per_hour"
            )
        end = self.hours * 60
        if any(not self.start <= arrival.minute < end for arrival in self.arrivals):
            raise ValidationFailed("an arrival lies outside the day", field="arrivals")

    def service_of(self, lane: str) -> ServiceTimes:
        """The service times of ``lane``: its own when measured, else the pooled ones."""
        return self.service.get(lane, self.service_pooled)

    def crossings_in(self, hour: int) -> int | None:
        """The other side's limit in ``hour`` of the day (taken modulo the day's length, as
        the day's pattern repeats while the last trucks are served); None: no limit."""
        if not self.crossings_per_hour:
            return None
        return self.crossings_per_hour[hour % self.hours]


@dataclass(frozen=True, slots=True)
class HourForecast:
    """One hour of the day, over all replications: trucks arriving in it (mean per
    replication), the wait from arrival to call in minutes of those of them called before
    closing (mean, the 95% confidence interval's half width across replications, 90th
    percentile), those of them still waiting at closing (mean per replication), the trucks
    waiting in the queue (time average over the hour) and the trucks called in it (mean per
    replication)."""

    hour: int
    arrivals: float
    mean_wait: float | None
    wait_half_width: float | None
    p90_wait: float | None
    mean_queue: float
    calls: float
    still_waiting: float = 0.0


@dataclass(frozen=True, slots=True)
class Forecast:
    """The day summed up: per hour, and over the day (waits in minutes, the half width of
    the 95% confidence interval of the mean across replications).

    The waits are those of the trucks called before closing (the day's end: no lane works
    past its hours, gate/planning/simulation.py). ``still_waiting`` is the mean number per
    replication of trucks left waiting at closing, and ``censored_wait`` the mean wait they
    had reached by then (minutes, None without any): a lower bound of their waits, which are
    not in ``mean_wait`` nor ``p90_wait``. The measured day is summed up in the same shape
    (gate/planning/actual.py): one "replication", ``seed`` None."""

    hours: tuple[HourForecast, ...]
    trucks: float
    mean_wait: float | None
    wait_half_width: float | None
    p90_wait: float | None
    still_waiting: float
    censored_wait: float | None
    replications: int
    seed: int | None

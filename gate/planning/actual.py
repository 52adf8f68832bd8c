"""What happened on a past day, summed up by the same definitions as a simulated replication
(gate/planning/simulation.py), so that the measured and the simulated figures stand side by
side and their difference is the model's error, not a difference of definitions.

From each truck that arrived at the control yard on the day: its arrival and, when a lane
called it, its call (minutes into the local day). The day is cut where the simulation is cut,
at closing (the day's end): a truck called later (the next morning) counts as still waiting
at closing, its wait so far (to the day's end) censored, and is left out of the mean and
percentile waits as the simulation leaves its own out. The queue is the trucks of the day
that arrived and were not yet called, integrated over each hour (trucks left from the day
before are not counted: the simulation of a day starts with an empty yard too). Today is
cut now: what was measured so far, beside the forecast from now on."""

from __future__ import annotations

from collections.abc import Iterable

from gate.domain.queue import QueueClass
from gate.planning.simulation import Run


def observed(
    trucks: Iterable[tuple[float, float | None, QueueClass]],
    hours: int = 24,
    cut: float | None = None,
) -> Run:
    """The day of ``trucks`` (arrival minute, call minute or None, class) as one Run:
    calls per hour of the call, waits per truck called before the cut (``cut`` minutes into
    the day: now, for today's figures so far; by default ``hours`` * 60, closing), the others
    censored at that instant, and the queue's truck-minutes per hour up to it."""
    closing = hours * 60.0 if cut is None else cut
    run = Run(queue_minutes=[0.0] * hours, calls=[0] * hours)
    for arrived, called, queue_class in trucks:
        if called is not None and called < closing:
            run.waits.append((arrived, called - arrived))
            run.classes.append(queue_class)
            run.calls[int(called // 60)] += 1
            left = called
        else:
            run.censored.append((arrived, closing - arrived))
            left = closing
        _add_waiting(run.queue_minutes, arrived, left)
    return run


def _add_waiting(per_hour: list[float], start: float, end: float) -> None:
    """Add one truck waiting from ``start`` to ``end`` (minutes) to the hours it spans."""
    while start < end:
        hour = int(start // 60)
        upto = min(end, (hour + 1) * 60.0)
        per_hour[hour] += upto - start
        start = upto

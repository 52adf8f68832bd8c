"""One planner question's CPU (issue 17, "what if"): a past day of 800 trucks replayed on
four lanes from 06:00 to 22:00, simulated as it was and with one more lane from 14:00 and
extra perishable trucks (300, then the most a question may ask, ``MAX_EXTRA_TRUCKS``), 20
replications each as the statistics page does. No database: the day's plan is made here,
seeded, so that runs compare. Prints the best of ``--repeat`` runs per question, in seconds.

    nice -n 10 .venv/bin/python loadtests/planner_bench.py --repeat 3
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gate.planning.forecast import forecast
from gate.planning.model import Arrival, DayPlan, LaneHours, ServiceTimes
from gate.planning.scenarios import MAX_EXTRA_TRUCKS, Scenario, apply

REPLICATIONS = 20  # services/web/statistics_planner.py's


def day() -> DayPlan:
    """800 trucks spread over 06:00 to 22:00, service times 3 to 12 minutes, 60 crossings
    an hour."""
    rng = random.Random(1)
    minutes = sorted(rng.uniform(360, 1320) for _ in range(800))
    return DayPlan(
        hours=24,
        lanes=tuple(LaneHours(f"X{n}", ((360, 1320),)) for n in range(1, 5)),
        service_pooled=ServiceTimes(samples=tuple(rng.uniform(3, 12) for _ in range(200))),
        arrivals=tuple(Arrival(minute) for minute in minutes),
        crossings_per_hour=(60,) * 24,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    plan = day()
    for extra in (300, MAX_EXTRA_TRUCKS):
        scenario = Scenario.parse(["+1@14:00"], None, [f"{extra}:perishable"])
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            forecast(plan, REPLICATIONS)
            forecast(apply(plan, scenario), REPLICATIONS)
            runs.append(time.perf_counter() - started)
        print(f"+1@14:00 and {extra} perishable: {min(runs):.2f} s (best of {repeat})")


if __name__ == "__main__":
    main()

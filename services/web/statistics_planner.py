"""The statistics page's planner ("what if"): the page's fields made a scenario
(gate/planning/scenarios.py), the chosen day simulated as measured and as changed, side by
side per hour. The simulation is CPU work (under a second at 20 replications): it runs in a
worker thread, one per process at a time (Platform.planner), never on the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from gate.domain.errors import ValidationFailed
from gate.planning.forecast import forecast
from gate.planning.measured import measure_day
from gate.planning.model import Forecast
from gate.planning.scenarios import Scenario, apply
from gate.store.unit_of_work import UnitOfWork

# Fewer than the command line's default would widen the intervals; more would hold a worker
# thread longer for every visitor's question.
REPLICATIONS = 20
SEED = 17
FIELDS = ("lane_at", "capacity", "extra_count", "extra_class")


@dataclass(frozen=True, slots=True)
class Planned:
    """The day as measured (``base``) and under ``scenario`` (``changed``), same seed."""

    scenario: Scenario
    base: Forecast
    changed: Forecast
    notes: tuple[str, ...]

    def rows(self) -> list[tuple[int, float, float, float | None, float | None]]:
        """Per hour with any truck or queue in either: hour, mean queue base and changed,
        mean wait (minutes) base and changed."""
        found = []
        for before, after in zip(self.base.hours, self.changed.hours, strict=True):
            if before.arrivals or after.arrivals or before.mean_queue or after.mean_queue:
                found.append(
                    (before.hour, before.mean_queue, after.mean_queue, before.mean_wait,
                     after.mean_wait)
                )  # fmt: skip
        return found


def asked(query: Mapping[str, str]) -> bool:
    """Whether the page's query carries the planner's form."""
    return any(query.get(name) for name in FIELDS)


def scenario_of(query: Mapping[str, str]) -> Scenario:
    """The form's fields as a scenario: one more lane from ``lane_at`` (HH:MM), the other
    side's capacity times ``capacity``, ``extra_count`` more trucks of ``extra_class``.
    ValidationFailed naming the field otherwise."""
    lane_at = (query.get("lane_at") or "").strip()
    count = (query.get("extra_count") or "").strip()
    extra = f"{count}:{(query.get('extra_class') or 'regular').strip()}" if count else ""
    if count and not count.isdigit():
        raise ValidationFailed("extra trucks is a whole number", field="extra_count")
    return Scenario.parse(
        [f"+1@{lane_at}"] if lane_at else [], query.get("capacity"), [extra] if extra else []
    )


async def plan(
    uow: UnitOfWork, slots: asyncio.Semaphore, gate_code: str, direction: str, day: date,
    scenario: Scenario,
) -> Planned:  # fmt: skip
    """Simulate ``day`` of the gate's ``direction`` as measured and under ``scenario``.
    NotFound or ValidationFailed from reading the day (gate/planning/measured.py)."""
    measured = await measure_day(uow, gate_code, direction, day)

    def run() -> tuple[Forecast, Forecast]:
        pattern = measured.pattern()
        return (
            forecast(pattern, REPLICATIONS, SEED),
            forecast(apply(pattern, scenario), REPLICATIONS, SEED),
        )

    async with slots:
        base, changed = await asyncio.to_thread(run)
    return Planned(scenario, base, changed, measured.notes)

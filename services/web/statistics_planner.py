"""The statistics page's planner ("what if"): the page's fields made a scenario
(gate/planning/scenarios.py), the chosen day simulated as measured and as changed, side by
side per hour. The simulation is CPU work (under a second at 20 replications): it runs in a
worker thread, one per process at a time (Platform.planner), never on the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from gate.domain.errors import TooManyRequests, ValidationFailed
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
# The scenario's names for what the page's form calls otherwise.
_FORM_FIELD = {"lanes": "lane_at", "extra": "extra_count"}
# How long a question waits for the process's one simulation slot before it is told to ask
# again: a queue of them would hold requests (and their connections) for minutes.
WAIT_FOR_SLOT_S = 5.0


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
    try:
        return Scenario.parse(
            [f"+1@{lane_at}"] if lane_at else [], query.get("capacity"), [extra] if extra else []
        )
    except ValidationFailed as error:
        field = str(error.extensions.get("field") or "")
        raise ValidationFailed(error.detail, field=_FORM_FIELD.get(field, field)) from error


async def plan(
    uow: UnitOfWork, slots: asyncio.Semaphore, gate_code: str, direction: str, day: date,
    scenario: Scenario,
) -> Planned:  # fmt: skip
    """Simulate ``day`` of the gate's ``direction`` as measured and under ``scenario``.
    NotFound or ValidationFailed from reading the day (gate/planning/measured.py);
    TooManyRequests when the process's simulation slot stays taken ``WAIT_FOR_SLOT_S``."""
    measured = await measure_day(uow, gate_code, direction, day)
    # The day is read: end the read's transaction, so that waiting for the slot and the
    # simulation hold no connection of the pool.
    await uow.session.rollback()

    def run() -> tuple[Forecast, Forecast]:
        pattern = measured.pattern()
        return (
            forecast(pattern, REPLICATIONS, SEED),
            forecast(apply(pattern, scenario), REPLICATIONS, SEED),
        )

    try:
        await asyncio.wait_for(slots.acquire(), WAIT_FOR_SLOT_S)
    except TimeoutError:
        raise TooManyRequests(
            "the planner is answering another question; ask again in a minute", retry_after=60
        ) from None
    try:
        base, changed = await asyncio.to_thread(run)
    finally:
        slots.release()
    return Planned(scenario, base, changed, measured.notes)

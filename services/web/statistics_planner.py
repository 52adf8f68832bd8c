"""The statistics page's planner ("what if"): the page's fields made a scenario
(gate/planning/scenarios.py), the chosen day simulated as it was (or forecast, for today and
days to come) and as changed, side by side per hour; for a day that is over, what was
measured beside them and the simulation's error against it; for today, what was measured so
far beside the forecast from the yard as it is now.

The simulation is CPU work (under a second at 20 replications): it runs in a worker thread,
one per process at a time (Platform.planner), never on the event loop. Every word shown is
the page's language: refusals, labels and notes are catalogue keys (``planner_*`` in
frontend/i18n/), never the command line's English nor its syntax."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from gate.domain.errors import NotFound, ValidationFailed
from gate.domain.queue import QueueClass
from gate.planning.compare import Comparison, compare_with
from gate.planning.forecast import forecast
from gate.planning.measured import DayKind, measure_day
from gate.planning.model import Forecast
from gate.planning.notes import Note
from gate.planning.rows import HISTORY_DAYS
from gate.planning.scenarios import (
    MAX_CAPACITY_FACTOR,
    MAX_EXTRA_TRUCKS,
    ExtraTrucks,
    LaneChange,
    Scenario,
    apply,
    extra_notes,
)
from gate.store.unit_of_work import UnitOfWork
from services.web.i18n import Translator

# Fewer than the command line's default would widen the intervals; more would hold a worker
# thread longer for every visitor's question.
REPLICATIONS = 20
SEED = 17
FIELDS = ("lane_at", "capacity", "extra_count", "extra_class")
# The lane change the form offers from ``lane_at``: one lane more or one fewer.
LANE_CHANGES = {"more": 1, "fewer": -1}
# How long a question waits for the process's one simulation slot before it is told to ask
# again: a queue of them would hold requests (and their connections) for minutes.
WAIT_FOR_SLOT_S = 5.0
# The form's bounds, from the constants the scenario is held to (the page's inputs say them).
LIMITS = {
    "capacity_min": 0,
    "capacity_max": MAX_CAPACITY_FACTOR,
    "extra_min": 0,
    "extra_max": MAX_EXTRA_TRUCKS,
}
# A time input sends HH:MM, and HH:MM:SS when its step is under a minute.
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::[0-9]{2})?")

Translate = Callable[[str], str]


class Refused(Exception):
    """A question the planner does not answer: ``key`` (``planner_refused_<key>`` in the
    catalogue, with ``values`` for its placeholders) and the HTTP status of the page."""

    def __init__(self, key: str, status: int = 422, **values: object) -> None:
        super().__init__(key)
        self.key, self.status, self.values = key, status, values

    def words(self, t: Translate) -> str:
        """The refusal in the page's language."""
        return t(f"planner_refused_{self.key}").format(**self.values)


@dataclass(frozen=True, slots=True)
class Planned:
    """The answer: ``kind`` of day; ``measured`` (a past day's figures, today's so far, else
    None); ``base`` (a past day simulated as it was, else the day's forecast: today's from
    now on) and ``changed`` (the same under ``scenario``), same seed; ``comparison`` of
    ``base`` with ``measured`` for a past day."""

    kind: DayKind
    scenario: Scenario
    measured: Forecast | None
    base: Forecast
    changed: Forecast
    comparison: Comparison | None
    notes: tuple[Note, ...]

    def rows(self) -> list[tuple[int, tuple[float | None, ...]]]:
        """Per hour with any truck or queue in any column: the hour and its figures, in the
        table's order: queue and mean wait (minutes) measured (past days; today so far),
        then the same as simulated (or forecast), with the change, and the simulation's
        error in minutes (past days only)."""
        found = []
        for hour, (before, after) in enumerate(
            zip(self.base.hours, self.changed.hours, strict=True)
        ):
            was = None if self.measured is None else self.measured.hours[hour]
            if not any((before.arrivals, after.arrivals, before.mean_queue, after.mean_queue,
                        was and (was.arrivals or was.mean_queue))):  # fmt: skip
                continue
            figures: list[float | None] = []
            if was is not None:
                figures += [was.mean_queue, was.mean_wait]
            figures += [before.mean_queue, before.mean_wait, after.mean_queue, after.mean_wait]
            if self.comparison is not None:
                figures.append(self.comparison.hours[hour].error)
            found.append((hour, tuple(figures)))
        return found

    def days(self) -> list[tuple[str, Forecast]]:
        """The day's columns of the summary, labelled by catalogue key."""
        base = "planner_simulated" if self.kind is DayKind.PAST else "planner_forecast"
        measured = "planner_measured_so_far" if self.kind is DayKind.TODAY else "planner_measured"
        found = [] if self.measured is None else [(measured, self.measured)]
        return [*found, (base, self.base), ("planner_changed", self.changed)]

    def scenario_words(self, t: Translator) -> str:
        """The scenario in the page's language (its numbers too)."""
        return scenario_words(self.scenario, t)

    def note_words(self, t: Translate) -> list[str]:
        """The notes in the page's language."""
        return [note_words(found, t) for found in self.notes]


def asked(query: Mapping[str, str]) -> bool:
    """Whether the page's query carries the planner's form."""
    return any(query.get(name) for name in FIELDS)


def scenario_of(query: Mapping[str, str]) -> Scenario:
    """The form's fields as a scenario: one more lane (``lane_change`` ``more``, the
    default) or one fewer (``fewer``) from ``lane_at`` (a time of day), the other side's
    capacity times ``capacity``, exactly ``extra_count`` more trucks of ``extra_class``.
    Refused (422) naming the field, with the bounds of ``LIMITS``."""
    lanes: tuple[LaneChange, ...] = ()
    change = (query.get("lane_change") or "more").strip()
    if change not in LANE_CHANGES:
        raise Refused("lane_change")
    lane_at = (query.get("lane_at") or "").strip()
    if lane_at:
        clock = _CLOCK.fullmatch(lane_at)
        if clock is None or int(clock[1]) > 23 or int(clock[2]) > 59:
            raise Refused("lane_at")
        lanes = (LaneChange(LANE_CHANGES[change], int(clock[1]) * 60 + int(clock[2])),)
    factor = 1.0
    capacity = (query.get("capacity") or "").strip()
    if capacity:
        try:
            factor = float(capacity.replace(",", "."))  # 0,5 as Vietnamese writes it
        except ValueError:
            factor = math.nan
        if not LIMITS["capacity_min"] <= factor <= LIMITS["capacity_max"]:  # NaN too
            raise Refused("capacity", low=LIMITS["capacity_min"], high=f"{MAX_CAPACITY_FACTOR:g}")
    extra: tuple[ExtraTrucks, ...] = ()
    count = (query.get("extra_count") or "").strip()
    if count:
        if not (count.isascii() and count.isdigit()) or int(count) > MAX_EXTRA_TRUCKS:
            raise Refused("extra_count", low=LIMITS["extra_min"], high=MAX_EXTRA_TRUCKS)
        named = (query.get("extra_class") or QueueClass.REGULAR.value).strip()
        if named not in set(QueueClass):
            raise Refused("extra_class")
        if int(count):
            extra = (ExtraTrucks(int(count), QueueClass(named)),)
    return Scenario(lanes=lanes, capacity=factor, extra=extra)


def scenario_words(scenario: Scenario, t: Translator) -> str:
    """The scenario in the page's language: its numbers as the language writes them (vi
    ``×0,5``), its parts joined by the language's separator (zh full-width ``；``)."""
    parts = [
        t("planner_scenario_lane" if c.count > 0 else "planner_scenario_lane_fewer").format(
            time=_clock(c.minute)
        )
        for c in scenario.lanes
    ]
    if scenario.capacity != 1.0:
        parts.append(
            t("planner_scenario_capacity").format(factor=t.number(scenario.capacity, None))
        )
    parts += [
        t("planner_scenario_extra").format(count=more.count, kind=t(more.queue_class.value))
        for more in scenario.extra
    ]
    return t("planner_list_separator").join(parts) or t("planner_scenario_none")


def _clock(minute: float) -> str:
    return f"{int(minute // 60):02d}:{int(minute % 60):02d}"


def note_words(found: Note, t: Translate) -> str:
    """A note in the page's language."""
    return t(f"planner_note_{found.key}").format(**dict(found.values))


async def plan(
    uow: UnitOfWork, slots: asyncio.Semaphore, gate_code: str, direction: str | None,
    day: date, scenario: Scenario,
) -> Planned:  # fmt: skip
    """Simulate ``day`` of the gate's ``direction`` as it was (or forecast) and under
    ``scenario``. Refused: no direction (422), a direction the gate does not take (422), a
    lane change closing more lanes than are open then (422), the process's simulation slot
    taken ``WAIT_FOR_SLOT_S`` (429)."""
    if direction is None:
        raise Refused("direction")
    try:
        measured = await measure_day(uow, gate_code, direction, day)
    except (NotFound, ValidationFailed):
        raise Refused("no_direction") from None
    # The day is read: end the read's transaction, so that waiting for the slot and the
    # simulation hold no connection of the pool.
    await uow.session.rollback()
    try:
        changed = apply(measured.plan, scenario, measured.usual)
    except ValidationFailed as error:
        found = error.extensions
        if "lanes_open" not in found:
            raise
        raise Refused(
            "lane_fewer", open=found["lanes_open"], count=found["closing"],
            time=_clock(found["minute"]),
        ) from None  # fmt: skip
    notes = [*measured.notes, *extra_notes(measured.plan, scenario, measured.usual, HISTORY_DAYS)]

    def run() -> tuple[Forecast, Forecast]:
        return (
            forecast(measured.plan, REPLICATIONS, SEED),
            forecast(changed, REPLICATIONS, SEED),
        )

    try:
        await asyncio.wait_for(slots.acquire(), WAIT_FOR_SLOT_S)
    except TimeoutError:
        raise Refused("busy", status=429) from None
    try:
        base, after = await asyncio.to_thread(run)
    finally:
        slots.release()
    observed = measured.observed
    return Planned(
        kind=measured.kind,
        scenario=scenario,
        measured=observed or measured.so_far,
        base=base,
        changed=after,
        comparison=None if observed is None else compare_with(observed, base),
        notes=tuple(notes),
    )


def chart(planned: Planned | None, t: Translate) -> list[dict[str, object]]:
    """The planner's answer as a line chart of the waits per hour (the table's rows)."""
    if planned is None:
        return []
    rows = planned.rows()
    labels = [key for key, _ in planned.days()]
    # The waits' places among each row's figures: every second one from the second.
    series = [
        {"label": t(key), "data": [_tenths(figures[2 * n + 1]) for _, figures in rows]}
        for n, key in enumerate(labels)
    ]
    hours = [f"{hour:02d}:00" for hour, _ in rows]
    return [{"id": "planner", "kind": "line", "labels": hours, "series": series}]


def _tenths(value: float | None) -> float | None:
    return None if value is None else round(value, 1)

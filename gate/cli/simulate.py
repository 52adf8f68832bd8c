"""``gate simulate``: the capacity planner on the command line. A gate direction's day read
from the database, changed by a scenario, simulated and printed as a table per hour (or
JSON). A day that is over is shown as measured beside its simulation as it was (its own
arrivals replayed) and as changed, with the simulation's error; today and days to come are
forecasts, and say so: today's starts now from the yard as it is, beside what was measured so
far. ``--compare`` prints only a past day's measured and simulated waits.

A lane change may start with a minus (``--lanes -1@16:00``), which argparse would take for an
option: ``lane_values`` joins such a value to its option before parsing, so the README's
spelling works as written (``--lanes=-1@16:00`` works too)."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from dataclasses import asdict
from datetime import date
from typing import Any

from gate.cli.database import database_trouble, missing_database
from gate.config import Settings
from gate.domain.errors import DomainError
from gate.domain.time import accepted_day, as_local, utc_now

# A lane change written with a minus: a value, not an option.
_FEWER = re.compile(r"-[0-9]+@.*")


def lane_values(argv: list[str]) -> list[str]:
    """``argv`` with each ``--lanes`` followed by a value such as ``-1@16:00`` joined into
    ``--lanes=-1@16:00``, which argparse reads as the option's value."""
    joined: list[str] = []
    index = 0
    while index < len(argv):
        if argv[index] == "--lanes" and index + 1 < len(argv) and _FEWER.fullmatch(argv[index + 1]):
            joined.append(f"--lanes={argv[index + 1]}")
            index += 2
            continue
        joined.append(argv[index])
        index += 1
    return joined


def add_parser(commands: Any) -> None:
    """The ``simulate`` subcommand and its options."""
    simulate = commands.add_parser(
        "simulate", help="what if: simulate a gate direction's day under a scenario"
    )
    simulate.add_argument("--gate", required=True, help="gate code, e.g. tan-thanh")
    simulate.add_argument("--direction", required=True, help="export or import")
    simulate.add_argument(
        "--day", default=None, help="local day YYYY-MM-DD, 2000-01-01 to 2100-12-31 (default today)"
    )
    simulate.add_argument(
        "--lanes",
        action="append",
        default=[],
        help="+1@14:00 one more lane from 14:00, -1@16:00 one fewer (repeat)",
    )
    simulate.add_argument("--capacity", default=None, help="the other side's capacity, x0.5")
    simulate.add_argument(
        "--extra",
        action="append",
        default=[],
        help="300:perishable: exactly 300 more trucks, at random times by their class's usual "
        "hours (today: from now on) (repeat)",
    )
    simulate.add_argument("--replications", type=int, default=20, help="default 20 (2 to 200)")
    simulate.add_argument("--seed", type=int, default=17)
    simulate.add_argument(
        "--compare", action="store_true", help="a past day: the simulation against what happened"
    )
    simulate.add_argument("--json", action="store_true", help="JSON instead of a table")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``gate simulate``; the exit status (2 for a wrong option, 1 for the database)."""
    from sqlalchemy.exc import SQLAlchemyError

    from gate.planning.scenarios import Scenario

    try:
        day = accepted_day(args.day) if args.day else as_local(utc_now()).date()
        scenario = Scenario.parse(args.lanes, args.capacity, args.extra)
        if not 2 <= args.replications <= 200:
            raise ValueError("--replications is 2 to 200")
        if args.compare and scenario != Scenario():
            raise ValueError("--compare replays the day as it was: no scenario with it")
    except (ValueError, DomainError) as error:
        print(f"gate simulate: {error}", file=sys.stderr)
        return 2
    missing = missing_database(settings)
    if missing is not None:
        print(f"gate: {missing}", file=sys.stderr)
        return 1
    try:
        answer = asyncio.run(_simulate(settings, args, day, scenario))
    except DomainError as error:
        print(f"gate simulate: {error}", file=sys.stderr)
        return 2
    except (SQLAlchemyError, OSError) as error:
        print(f"gate: {database_trouble(settings, error)}", file=sys.stderr)
        return 1
    print(answer)
    return 0


async def _simulate(settings: Settings, args: argparse.Namespace, day: date, scenario: Any) -> str:
    from gate.bus.events import InMemoryEventBus
    from gate.planning.compare import compare, compare_with
    from gate.planning.forecast import forecast
    from gate.planning.measured import DayKind, measure_day
    from gate.planning.rows import HISTORY_DAYS
    from gate.planning.scenarios import apply, extra_notes
    from gate.store.database import create_engine, create_session_factory
    from gate.store.unit_of_work import UnitOfWork

    engine = create_engine(settings)
    try:
        factory = create_session_factory(engine, read_only=True)
        async with UnitOfWork(factory, InMemoryEventBus()) as uow:
            measured = await measure_day(uow, args.gate, args.direction, day)
    finally:
        await engine.dispose()
    title = f"{args.gate} {args.direction} {day.isoformat()}"
    # The day as an ISO date, its gate and direction apart; the label is for people.
    where = {"day": day.isoformat(), "gate": args.gate, "direction": args.direction}
    notes = [n.english() for n in measured.notes]
    if args.compare:
        compared = compare(measured, args.replications, args.seed)
        if args.json:
            return json.dumps({**where, "label": title, "notes": notes, **asdict(compared)})
        return render_comparison(title, notes, compared)
    changed_plan = apply(measured.plan, scenario, measured.usual)  # refusals before the work
    notes += [
        n.english() for n in extra_notes(measured.plan, scenario, measured.usual, HISTORY_DAYS)
    ]
    base = forecast(measured.plan, args.replications, args.seed)
    days: list[tuple[str, Any]] = []
    if measured.observed is not None:
        days.append(("measured", measured.observed))
    if measured.so_far is not None:
        days.append(("so far", measured.so_far))
    days.append(("simulated" if measured.kind is DayKind.PAST else "forecast", base))
    if scenario.lanes or scenario.extra or scenario.capacity != 1.0:
        days.append(("changed", forecast(changed_plan, args.replications, args.seed)))
    judged = None if measured.observed is None else compare_with(measured.observed, base)
    start = _clock(measured.plan.start)
    if args.json:
        return json.dumps(
            {
                **where,
                "label": title,
                "kind": measured.kind.value,
                # Today: when the forecast starts from the yard as it is (local HH:MM).
                "from": start if measured.kind is DayKind.TODAY else None,
                "scenario": str(scenario),
                "notes": notes,
                **{name.replace(" ", "_"): asdict(figures) for name, figures in days},
                "mean_absolute_error": judged and judged.mean_absolute_error,
            }
        )
    kind = _KINDS[measured.kind.value].format(start=start)
    return render_days(f"{title} ({kind}), {scenario}", notes, days, judged, start)


_KINDS = {
    "past": "over: measured, and simulated as it was",
    "today": "under way: measured so far, and a forecast from {start} on",
    "future": "to come: a forecast",
}


def _clock(minute: float) -> str:
    return f"{int(minute // 60):02d}:{int(minute % 60):02d}"


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def render_days(
    title: str, notes: list[str], days: list[tuple[str, Any]], compared: Any, start: str = ""
) -> str:
    """The day's columns side by side: per hour and column the mean queue and the mean wait
    in minutes of the trucks called (and the simulation's error against the measured wait
    for a past day); then each column's day: trucks, mean wait (± the 95% interval's half
    width), p90, and the trucks still waiting at closing with their waits so far (for
    today's column ``so far``: still waiting at ``start``, now)."""
    lines = [title, *(f"  {note}" for note in notes)]
    header = f"{'hour':<6}" + "".join(f"{name[:9] + ' q':>12}{'wait':>7}" for name, _ in days)
    lines.append(header + (f"{'error':>8}" if compared else ""))
    for hour in range(24):
        figures = [figures.hours[hour] for _, figures in days]
        if not any(each.arrivals or each.calls or each.mean_queue for each in figures):
            continue
        row = f"{hour:02d}:00" + "".join(
            f"{each.mean_queue:>12.1f}{_minutes(each.mean_wait):>7}" for each in figures
        )
        lines.append(row + (f"{_minutes(compared.hours[hour].error):>8}" if compared else ""))
    for name, figures in days:
        at = f"at {start}" if name == "so far" else "at closing"
        lines.append(
            f"{name}: {figures.trucks:.1f} trucks, mean wait {_minutes(figures.mean_wait)}"
            + (f" ± {_minutes(figures.wait_half_width)}" if figures.seed is not None else "")
            + f" min, p90 {_minutes(figures.p90_wait)} min, still waiting {at} "
            f"{figures.still_waiting:.1f} (waited so far {_minutes(figures.censored_wait)} min)"
            + (
                f" ({figures.replications} replications, seed {figures.seed})"
                if figures.seed is not None
                else ""
            )
        )
    if compared is not None:
        lines.append(
            f"mean absolute error of the simulation {_minutes(compared.mean_absolute_error)} "
            "min per hour"
        )
    return "\n".join(lines)


def render_comparison(title: str, notes: list[str], compared: Any) -> str:
    """A past day: per hour the measured and simulated mean wait (minutes) and the error."""
    lines = [f"{title}, the simulation against what happened", *(f"  {n}" for n in notes)]
    lines.append(f"{'hour':<6}{'measured':>10}{'simulated':>11}{'error':>8}")
    for hour in compared.hours:
        if hour.measured is None and hour.simulated is None:
            continue
        lines.append(
            f"{hour.hour:02d}:00{_minutes(hour.measured):>10}{_minutes(hour.simulated):>11}"
            f"{_minutes(hour.error):>8}"
        )
    lines.append(
        f"mean absolute error {_minutes(compared.mean_absolute_error)} min per hour "
        f"({compared.simulated.replications} replications, seed {compared.simulated.seed})"
    )
    return "\n".join(lines)

"""``gate simulate``: the capacity planner on the command line. A gate direction's day as the
database measured it (or booked it), changed by a scenario, simulated and printed as a table
per hour (or JSON); ``--compare`` sets a past day's simulation beside what happened."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from datetime import date
from typing import Any

from gate.cli.database import database_trouble, missing_database
from gate.config import Settings
from gate.domain.errors import DomainError
from gate.domain.time import as_local, utc_now


def add_parser(commands: Any) -> None:
    """The ``simulate`` subcommand and its options."""
    simulate = commands.add_parser(
        "simulate", help="what if: simulate a gate direction's day under a scenario"
    )
    simulate.add_argument("--gate", required=True, help="gate code, e.g. tan-thanh")
    simulate.add_argument("--direction", required=True, help="export or import")
    simulate.add_argument("--day", default=None, help="local day, YYYY-MM-DD (default today)")
    simulate.add_argument(
        "--lanes", action="append", default=[], help="+1@14:00 one more lane from 14:00 (repeat)"
    )
    simulate.add_argument("--capacity", default=None, help="the other side's capacity, x0.5")
    simulate.add_argument(
        "--extra", action="append", default=[], help="300:perishable more trucks (repeat)"
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
        day = date.fromisoformat(args.day) if args.day else as_local(utc_now()).date()
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
    from gate.planning.compare import compare
    from gate.planning.forecast import forecast
    from gate.planning.measured import measure_day
    from gate.planning.scenarios import apply
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
    if args.compare:
        compared = compare(measured, args.replications, args.seed)
        if args.json:
            return json.dumps({"day": title, "notes": measured.notes, **asdict(compared)})
        return render_comparison(title, measured.notes, compared)
    planned = forecast(apply(measured.pattern(), scenario), args.replications, args.seed)
    if args.json:
        return json.dumps(
            {"day": title, "scenario": str(scenario), "notes": measured.notes, **asdict(planned)}
        )
    return render_forecast(f"{title}, {scenario}", measured.notes, planned)


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def render_forecast(title: str, notes: tuple[str, ...], planned: Any) -> str:
    """The forecast as a table: one row per hour with trucks, its mean wait (± the 95%
    interval's half width) and p90 in minutes, and the mean queue."""
    lines = [title, *(f"  {note}" for note in notes)]
    lines.append(
        f"{'hour':<6}{'trucks':>8}{'called':>8}{'queue':>8}{'wait':>8}{'±95%':>7}{'p90':>8}"
    )
    for hour in planned.hours:
        if not (hour.arrivals or hour.calls or hour.mean_queue):
            continue
        lines.append(
            f"{hour.hour:02d}:00{hour.arrivals:>8.1f}{hour.calls:>8.1f}{hour.mean_queue:>8.1f}"
            f"{_minutes(hour.mean_wait):>8}{_minutes(hour.wait_half_width):>7}"
            f"{_minutes(hour.p90_wait):>8}"
        )
    lines.append(
        f"day: {planned.trucks:.1f} trucks, mean wait {_minutes(planned.mean_wait)} "
        f"± {_minutes(planned.wait_half_width)} min, p90 {_minutes(planned.p90_wait)} min, "
        f"still waiting at the end {planned.still_waiting:.1f} "
        f"({planned.replications} replications, seed {planned.seed})"
    )
    return "\n".join(lines)


def render_comparison(title: str, notes: tuple[str, ...], compared: Any) -> str:
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
        f"({compared.forecast.replications} replications, seed {compared.forecast.seed})"
    )
    return "\n".join(lines)

"""``gate fees add-schedule --gate CODE --file rates.json``: a new version of a gate's fee
schedule from a file holding the API's body (``effective_from``, ``decision``, ``rates``),
checked by the API's own input type and the same use case (gate/fees/schedules.py).
``gate fees demo``: the demo's illustrative schedule for every gate without one (gate/fees/
demo.py; not the council's rates)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from gate.cli.database import database_trouble, missing_database
from gate.config import Settings
from gate.domain.errors import DomainError
from gate.domain.time import utc_now
from gate.store.unit_of_work import UnitOfWork

MISTAKE, TROUBLE = 2, 1


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """The ``fees`` command group."""
    fees = commands.add_parser("fees", help="the infrastructure fee's schedules")
    fees_commands = fees.add_subparsers(dest="fees_command", required=True)
    add = fees_commands.add_parser(
        "add-schedule",
        help="add a version of a gate's fee schedule from a JSON file",
        description="Add a version of a gate's fee schedule. The file holds what "
        "POST /api/v1/gates/{code}/fee-schedules takes: effective_from (an ISO 8601 time "
        "with its offset, now or later), decision (the council's decision) and rates "
        '([{"direction": "export", "vehicle_type": "*", "load_class": "*", '
        '"amount_vnd": 1500000}, ...], a catch-all per direction).',
    )
    add.add_argument("--gate", required=True, help="the gate's code, e.g. tan-thanh")
    add.add_argument("--file", required=True, type=Path, help="the schedule, JSON")
    fees_commands.add_parser(
        "demo",
        help="illustrative rates (not the council's) for every gate without a schedule",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``gate fees <command>``: 0 with one line of what was made, 2 for a mistake (the
    file, a rule refused), 1 when the database cannot be used."""
    from sqlalchemy.exc import SQLAlchemyError

    missing = missing_database(settings)
    if missing is not None:
        print(f"gate: {missing}", file=sys.stderr)
        return TROUBLE
    try:
        work = _add(args.gate, args.file) if args.fees_command == "add-schedule" else _demo
        print(asyncio.run(_committed(settings, work)))
    except (DomainError, ValueError) as error:
        print(f"gate: {getattr(error, 'detail', error)}", file=sys.stderr)
        return MISTAKE
    except (SQLAlchemyError, OSError) as error:
        print(f"gate: {database_trouble(settings, error)}", file=sys.stderr)
        return TROUBLE
    return 0


def _add(code: str, path: Path) -> Callable[[UnitOfWork], Awaitable[str]]:
    import msgspec

    from gate.domain.events import Actor
    from gate.fees.schedules import make_version
    from gate.gates.calendar import gate_by_code
    from services.api.fees.schemas import FeeScheduleCreate

    try:
        body = msgspec.json.decode(path.read_bytes(), type=FeeScheduleCreate)
    except msgspec.DecodeError as error:  # not JSON, or not a schedule (ValidationError)
        raise ValueError(f"{path}: {error}") from error

    async def add(uow: UnitOfWork) -> str:
        gate = await gate_by_code(uow, code)
        made = await make_version(
            uow,
            gate,
            effective_from=body.effective_from,
            decision=body.decision,
            rates=[rate.rate() for rate in body.rates],
            now=utc_now(),
            actor=Actor("admin"),
        )
        start = made.schedule.effective_from.isoformat()
        return f"{gate.code}: version {made.schedule.version}, in force from {start}"

    return add


async def _demo(uow: UnitOfWork) -> str:
    from gate.fees.demo import add_demo_schedules

    added = await add_demo_schedules(uow, utc_now())
    return f"demo fee schedules added: {', '.join(added) or 'none (every gate has one)'}"


async def _committed(settings: Settings, work: Callable[[UnitOfWork], Awaitable[str]]) -> str:
    """``work`` in one transaction, committed (its events published on the bus)."""
    from gate.bus.events import create_event_bus
    from gate.store.database import create_engine, create_session_factory

    engine = create_engine(settings)
    bus = create_event_bus(
        settings.redis_url, settings.redis_namespace, settings.bus_publish_timeout_s
    )
    try:
        async with UnitOfWork(create_session_factory(engine), bus) as uow:
            said = await work(uow)
            await uow.commit()
        return said
    finally:
        await bus.close()
        await engine.dispose()


def demo_on(settings: Settings) -> None:
    """``gate serve --demo-fees``: the demo schedules, once the database is seeded; what was
    added is a log line (``cli.fees.demo``), as the rest of the start says."""
    said = asyncio.run(_committed(settings, _demo))
    logging.getLogger("gate.cli.fees").info("cli.fees.demo", extra={"said": said})

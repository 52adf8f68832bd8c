"""What the ``gate`` command does on the platform's database: ``audit verify``, ``sweep``,
``statistics update|rebuild`` and ``db seed`` on one that exists (never one they would create
by opening it), and saying in one line why a database cannot be used."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from gate.cli.progress import Progress, wanted
from gate.config import Settings


def run_on_database(settings: Settings, command: str, *, progress: bool = False) -> int:
    """Run a command that works on the platform's database (``audit verify``, ``sweep``,
    ``statistics update``, ``statistics rebuild``, ``db seed``): never on one it would create
    by opening it (SQLite makes an empty file), and
    a database that cannot be used is one line on standard error, exit status 1. With
    ``progress`` (or standard error a terminal), ``audit verify`` and ``db seed`` show how
    far they are on standard error (gate/cli/progress.py)."""
    from sqlalchemy.exc import SQLAlchemyError

    missing = missing_database(settings)
    if missing is not None:
        print(f"gate: {missing}", file=sys.stderr)
        return 1
    try:
        if command == "audit":
            return asyncio.run(verify_audit(settings, shown=wanted(progress)))
        if command.startswith("statistics "):
            print(asyncio.run(statistics(settings, command.split()[1])))
            return 0
        if command == "sweep":
            counts = asyncio.run(sweep(settings))
            print(", ".join(f"{name}: {count}" for name, count in counts.items()))
            return 0
        created = asyncio.run(seed(settings, shown=wanted(progress)))
        print(f"gates created: {', '.join(created) or 'none (all present)'}")
        return 0
    except (SQLAlchemyError, OSError) as error:
        print(f"gate: {database_trouble(settings, error)}", file=sys.stderr)
        return 1


def missing_database(settings: Settings) -> str | None:
    """Why there is no database to work on, or None: an SQLite file that does not exist (a
    PostgreSQL database is there or unreachable, which its connection says)."""
    path = sqlite_path(settings.database_url) if settings.is_sqlite else None
    if path is None or path.is_file():
        return None
    return (
        f"no database at {path}; set GATE_DATA_DIR to the platform's data folder (the one "
        "`gate serve` printed) or GATE_DATABASE_URL to its database"
    )


def database_trouble(settings: Settings, error: Exception) -> str:
    """One line on why the database could not be used, with what to do where we know it."""
    cause = getattr(error, "orig", None) or error
    reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    hint = ""
    if "no such table" in reason or reason.startswith('relation "'):
        hint = "; is it the platform's? `gate db upgrade` creates the schema"
    return f"cannot use the database at {safe_url(settings.database_url)}: {reason}{hint}"


async def verify_audit(settings: Settings, *, shown: bool = False) -> int:
    """``gate audit verify``: every chain checked, each break printed; the exit status. When
    ``shown``, the entries read so far on standard error, every 5 % of the log."""
    from gate.store.audit import entry_count, verify
    from gate.store.database import create_engine, create_session_factory

    engine = create_engine(settings)
    try:
        async with create_session_factory(engine, read_only=True)() as session:
            # Counted first only when shown: a count of a large log is a scan of its own.
            total = await entry_count(session) if shown else None
            reading = Progress("audit entries read", total, shown=shown)
            breaks, checked = await verify(session, reading.advance)
    finally:
        await engine.dispose()
    if not breaks:
        print(f"audit log verified: {checked} entries, every chain intact")
        return 0
    for each in breaks:
        print(f"BROKEN chain {each.chain} at entry {each.seq}: {each.reason}")
    return 1


async def sweep(settings: Settings) -> dict[str, int]:
    """``gate sweep``: the no-show and missed-call sweeps run once; what each changed."""
    from gate.bus.events import create_event_bus
    from gate.store.database import create_engine, create_session_factory
    from gate.store.unit_of_work import UnitOfWork
    from gate.sweeps import run_sweeps_once

    engine = create_engine(settings)
    bus = create_event_bus(
        settings.redis_url, settings.redis_namespace, settings.bus_publish_timeout_s
    )
    factory = create_session_factory(engine)
    try:
        return await run_sweeps_once(lambda: UnitOfWork(factory, bus), settings)
    finally:
        await bus.close()
        await engine.dispose()


async def statistics(settings: Settings, action: str) -> str:
    """``gate statistics update`` (fold in what the audit chains say changed) or ``rebuild``
    (recompute every rollup from the bookings); one line on what was done."""
    from gate.bus.events import InMemoryEventBus
    from gate.statistics.rebuild import rebuild_statistics, vacuum_rollups
    from gate.statistics.update import update_statistics
    from gate.store.database import create_engine, create_session_factory
    from gate.store.unit_of_work import UnitOfWork

    engine = create_engine(settings)
    factory = create_session_factory(engine)
    try:
        if action == "update":
            read = await update_statistics(lambda: UnitOfWork(factory, InMemoryEventBus()))
            return f"statistics updated: {read} audit entries read"
        async with UnitOfWork(factory, InMemoryEventBus()) as uow:
            counted = await rebuild_statistics(uow)
            await uow.commit()
        await vacuum_rollups(engine)
        return f"statistics rebuilt from {counted} bookings"
    finally:
        await engine.dispose()


async def seed(settings: Settings, *, shown: bool = False) -> list[str]:
    """Create Lạng Sơn's gates where missing (``gate db seed``, ``gate serve``); their codes.
    When ``shown``, a line per gate on standard error."""
    from gate.bus.events import InMemoryEventBus
    from gate.gates.seed import LANG_SON_GATES, seed_lang_son
    from gate.store.database import create_engine, create_session_factory
    from gate.store.unit_of_work import UnitOfWork

    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            seen = 0

            def done(code: str, created: bool) -> None:
                nonlocal seen
                seen += 1
                what = "created" if created else "present"
                if shown:
                    print(f"[{seen}/{len(LANG_SON_GATES)}] gate {code}: {what}", file=sys.stderr)

            created = await seed_lang_son(uow, done)
            await uow.commit()
        return created
    finally:
        await engine.dispose()


def sqlite_path(database_url: str) -> Path | None:
    """The file of an SQLite database URL (``sqlite+aiosqlite:///path``), None in memory."""
    path = database_url.split("://", 1)[-1].removeprefix("/").split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def safe_url(url: str) -> str:
    """The database URL without its password, for printing: neither the one before the host
    nor one in the query (``?password=``, which asyncpg takes too; the query goes whole)."""
    from gate.logs import redact

    url = redact(url)
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url

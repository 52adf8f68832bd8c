"""``gate db``: the database's schema (``current``, ``history``, ``upgrade``, through
Alembic's own API in gate/store/migrate.py) and its seed data (``seed``)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import TYPE_CHECKING, Any

from gate.cli.database import (
    database_trouble,
    missing_database,
    run_on_database,
    safe_url,
)
from gate.cli.files import prepare_data_dir
from gate.config import Settings

if TYPE_CHECKING:  # Alembic is imported when a command needs it, not for `gate --help`
    from gate.store.migrate import SchemaState


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """The ``db`` command group."""
    db = commands.add_parser("db", help="database schema and seed data")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser(
        "upgrade",
        help="apply the migrations the database lacks (a line per migration on stderr)",
        description="Apply the Alembic migrations the database lacks, oldest first, and say "
        "each one on standard error as it is applied. Creates the embedded default's database "
        "when there is none.",
    )
    db_commands.add_parser(
        "current",
        help="the migration the database is at, and what `upgrade` would apply",
        description="Which migration the database is at and which ones `gate db upgrade` "
        "would apply; changes nothing.",
    )
    db_commands.add_parser(
        "history",
        help="every migration of this release, oldest first, applied or pending",
        description="Every migration this release brings, oldest first, each marked applied "
        "or pending on this database; changes nothing.",
    )
    seed = db_commands.add_parser("seed", help="create Lạng Sơn's gates where missing")
    seed.add_argument(
        "--progress", action="store_true", help="a line per gate (always on a terminal)"
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``gate db <command>``; the exit status (1: the database cannot be used)."""
    from sqlalchemy.exc import SQLAlchemyError

    if args.db_command == "seed":
        return run_on_database(settings, "db", progress=args.progress)
    if args.db_command != "upgrade":
        missing = missing_database(settings)
        if missing is not None:
            print(f"gate: {missing}", file=sys.stderr)
            return 1
    try:
        if args.db_command == "upgrade":
            return upgrade(settings)
        from gate.store.migrate import schema_state

        state = asyncio.run(schema_state(settings))
    except (SQLAlchemyError, OSError) as error:
        print(f"gate: {database_trouble(settings, error)}", file=sys.stderr)
        return 1
    if args.db_command == "current":
        print(describe(state))
    else:
        for migration in state.migrations:
            mark = "applied" if migration.applied else "pending"
            here = "  <- current" if migration.revision in state.current else ""
            print(f"{mark:8} {migration.revision:28} {migration.doc}{here}")
        for revision in state.unknown:
            print(f"{'applied':8} {revision:28} (not in this release: a newer one applied it)")
    return 0


def upgrade(settings: Settings) -> int:
    """``gate db upgrade``: the pending migrations applied, each said on standard error as
    ``[2/3] 0017_queue_counts: <its docstring's first line> (1.4 s)``."""
    from gate.store.migrate import schema_state
    from gate.store.migrate import upgrade as apply

    prepare_data_dir(settings)
    state = asyncio.run(schema_state(settings))
    if state.unknown:
        print(f"gate: {describe(state)}", file=sys.stderr)
        return 1
    pending = len(state.pending)
    count = 0
    started = time.monotonic()

    def applied(revision: str, doc: str) -> None:
        nonlocal count, started
        count += 1
        took = time.monotonic() - started
        print(f"[{count}/{pending}] {revision}: {doc.strip()} ({took:.1f} s)", file=sys.stderr)
        started = time.monotonic()

    if pending:
        apply(settings.database_url, applied=applied)
    print(f"schema is up to date on {safe_url(settings.database_url)} (at {state.head})")
    return 0


def describe(state: SchemaState) -> str:
    """One line on where the schema stands (``gate db current``)."""
    if state.unknown:
        return (
            f"the database is at {', '.join(state.unknown)}, which this release does not have: "
            "a newer release migrated it; run that release (migrations are not undone here)"
        )
    if not state.current:
        return (
            f"no migration applied (an empty database); `gate db upgrade` applies all "
            f"{len(state.migrations)}, up to {state.head}"
        )
    at = ", ".join(state.current)
    if not state.pending:
        return f"at {at}, the latest: nothing to apply"
    names = ", ".join(m.revision for m in state.pending)
    return f"at {at}; `gate db upgrade` applies {len(state.pending)}: {names}"

"""The ``gate`` command: ``gate serve``, ``gate db upgrade``, ``gate db seed``."""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
from pathlib import Path

from gate.config import SettingError, Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gate", description="Digital border-gate platform")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the platform (migrates and seeds first)")
    serve.add_argument("--host", default=None, help="default GATE_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default GATE_PORT or 8000")
    serve.add_argument("--workers", type=int, default=1)

    db = commands.add_parser("db", help="database schema and seed data")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the Alembic migrations")
    db_commands.add_parser("seed", help="create Lạng Sơn's gates where missing")

    audit = commands.add_parser("audit", help="the hash-chained audit log")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_commands.add_parser("verify", help="check every chain; name the first broken entry")

    commands.add_parser("sweep", help="run the no-show and missed-call sweeps once")

    watch = commands.add_parser("watch", help="a gate's live board in the terminal")
    watch.add_argument("gate", help="gate code, e.g. tan-thanh")
    watch.add_argument("--url", default=None, help="the platform, default http://GATE_HOST:PORT")
    watch.add_argument("--once", action="store_true", help="print the board once and exit")

    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingError as error:
        # One line naming the variable, not a traceback through the dataclass.
        print(f"gate: {error}", file=sys.stderr)
        return 2
    if args.command in ("audit", "sweep") or getattr(args, "db_command", None) == "seed":
        return _on_existing_database(settings, args)
    if args.command == "serve":
        return _serve(settings, args.host, args.port, args.workers)
    if args.command == "watch":
        from gate.live.terminal import watch as watch_board

        url = args.url or f"http://{settings.host}:{settings.port}"
        try:
            return asyncio.run(watch_board(url, args.gate, once=args.once))
        except KeyboardInterrupt:
            return 0
    if args.db_command == "upgrade":
        _prepare_data_dir(settings)
        _upgrade(settings)
        print(f"schema is up to date on {_safe_url(settings.database_url)}")
        return 0
    return 2


def _on_existing_database(settings: Settings, args: argparse.Namespace) -> int:
    """Run a command that works on the platform's database (``audit verify``, ``sweep``,
    ``db seed``): never on one it would create by opening it (SQLite makes an empty file), and
    a database that cannot be used is one line on standard error, exit status 1."""
    from sqlalchemy.exc import SQLAlchemyError

    missing = _missing_database(settings)
    if missing is not None:
        print(f"gate: {missing}", file=sys.stderr)
        return 1
    try:
        if args.command == "audit":
            return asyncio.run(_verify_audit(settings))
        if args.command == "sweep":
            counts = asyncio.run(_sweep(settings))
            print(", ".join(f"{name}: {count}" for name, count in counts.items()))
            return 0
        created = asyncio.run(_seed(settings))
        print(f"gates created: {', '.join(created) or 'none (all present)'}")
        return 0
    except (SQLAlchemyError, OSError) as error:
        print(f"gate: {_database_trouble(settings, error)}", file=sys.stderr)
        return 1


def _missing_database(settings: Settings) -> str | None:
    """Why there is no database to work on, or None: an SQLite file that does not exist (a
    PostgreSQL database is there or unreachable, which its connection says)."""
    path = _sqlite_path(settings.database_url) if settings.is_sqlite else None
    if path is None or path.is_file():
        return None
    return (
        f"no database at {path}; set GATE_DATA_DIR to the platform's data folder (the one "
        "`gate serve` printed) or GATE_DATABASE_URL to its database"
    )


def _database_trouble(settings: Settings, error: Exception) -> str:
    """One line on why the database could not be used, with what to do where we know it."""
    cause = getattr(error, "orig", None) or error
    reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    hint = ""
    if "no such table" in reason or reason.startswith('relation "'):
        hint = "; is it the platform's? `gate db upgrade` creates the schema"
    return f"cannot use the database at {_safe_url(settings.database_url)}: {reason}{hint}"


def _make_data_dir(settings: Settings) -> Path:
    """The data folder, created readable by its owner only (0700; parents as the umask says)."""
    path = Path(settings.data_dir)
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode goes through the umask; 0700 only narrows it
    return path


def _create_private(path: Path) -> bool:
    """Create ``path`` empty and owner-only (0600) from its first instant, never 0666 and
    chmod later; False when it already exists."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(descriptor)
    return True


def _sqlite_path(database_url: str) -> Path | None:
    """The file of an SQLite database URL (``sqlite+aiosqlite:///path``), None in memory."""
    path = database_url.split("://", 1)[-1].removeprefix("/").split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def _prepare_data_dir(settings: Settings) -> None:
    if settings.is_sqlite:
        _make_data_dir(settings)
        database = _sqlite_path(settings.database_url)
        if database is not None:
            # SQLite would create it 0644; its journal and WAL files take the file's mode.
            database.parent.mkdir(parents=True, exist_ok=True)
            _create_private(database)


def _upgrade(settings: Settings) -> None:
    from gate.store.migrate import upgrade

    upgrade(settings.database_url)


async def _seed(settings: Settings) -> list[str]:
    from gate.bus.events import InMemoryEventBus
    from gate.gates.seed import seed_lang_son
    from gate.store.database import create_engine, create_session_factory
    from gate.store.unit_of_work import UnitOfWork

    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            created = await seed_lang_son(uow)
            await uow.commit()
        return created
    finally:
        await engine.dispose()


async def _verify_audit(settings: Settings) -> int:
    from gate.audit.log import verify
    from gate.store.database import create_engine, create_session_factory

    engine = create_engine(settings)
    try:
        async with create_session_factory(engine, read_only=True)() as session:
            breaks, checked = await verify(session)
    finally:
        await engine.dispose()
    if not breaks:
        print(f"audit log verified: {checked} entries, every chain intact")
        return 0
    for each in breaks:
        print(f"BROKEN chain {each.chain} at entry {each.seq}: {each.reason}")
    return 1


async def _sweep(settings: Settings) -> dict[str, int]:
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


def _kept_secret(settings: Settings, name: str) -> str:
    """A random secret made once and kept in the data folder (owner-readable only)."""
    path = _make_data_dir(settings) / name
    if _create_private(path):
        with path.open("w") as file:
            file.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text().strip()


def _admin_token(settings: Settings) -> tuple[str | None, str]:
    """The bootstrap secret, and what the banner says of it (never the secret itself):
    GATE_ADMIN_TOKEN, or for the embedded default one made once and kept in the data folder
    (readable by its owner only)."""
    if settings.admin_token:
        return settings.admin_token, "set (from GATE_ADMIN_TOKEN)"
    if not settings.is_sqlite:
        return None, "not set: administrator endpoints refuse every request"
    token = _kept_secret(settings, "admin-token")
    return token, f"in {Path(settings.data_dir) / 'admin-token'} (readable by you only)"


def _serve(settings: Settings, host: str | None, port: int | None, workers: int) -> int:
    import uvicorn

    from gate.limits import allow_many_connections
    from gate.logs import configure_logging, logging_config
    from services.server import server_options

    _prepare_data_dir(settings)
    host = host or settings.host
    port = port or settings.port
    if settings.auto_migrate:
        _upgrade(settings)
    if settings.seed:
        asyncio.run(_seed(settings))
    token, where = _admin_token(settings)
    if token:
        os.environ["GATE_ADMIN_TOKEN"] = token
    if "GATE_SECRET_KEY" not in os.environ:
        os.environ["GATE_SECRET_KEY"] = _kept_secret(settings, "secret-key")
    base = f"http://{host}:{port}"
    bus = "Redis" if settings.redis_url else "in-memory event bus"
    boards = (
        f"  Public boards: ws://{host}:{settings.boards_port}/ws/v1/gates/<gate>/board\n"
        if settings.boards_port
        else ""
    )
    print(
        f"\nDigital border-gate platform on {_safe_url(settings.database_url)} with {bus}\n"
        f"  API docs:      {base}/schema\n"
        f"  Gates:         {base}/api/v1/gates\n"
        f"{boards}"
        f"  Admin token:   {where}\n",
        flush=True,
    )
    configure_logging()
    allow_many_connections()
    uvicorn.run(
        "services.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # Applied again by each worker uvicorn spawns (a fresh process): JSON there too.
        log_config=logging_config(),
        ws_per_message_deflate=settings.ws_compression,
        ws=settings.ws_implementation,
        proxy_headers=True,
        **server_options(settings),
    )
    return 0


def _safe_url(url: str) -> str:
    """The database URL without its password, for printing."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


if __name__ == "__main__":
    sys.exit(main())

"""The ``gate`` command: ``gate serve``, ``gate audit verify``, ``gate sweep``, ``gate
statistics update|rebuild``, ``gate watch`` here; a module per other group: ``db``
(gate.cli.schema), ``officers`` and ``enterprises`` (gate.cli.accounts), ``admin``
(gate.cli.admin), ``openapi`` (gate.cli.openapi), ``simulate`` (gate.cli.simulate); what
works on the database in gate.cli.database.

Exit statuses: 0 done; 1 the work failed (the database cannot be used, the audit log is
broken); 2 a mistake in the command or a setting, said in one line on standard error."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, NoReturn

from gate.cli import accounts, admin, fees, openapi, schema, simulate
from gate.cli.database import run_on_database, safe_url, seed
from gate.cli.files import ADMIN_TOKEN_FILE, kept_secret, prepare_data_dir
from gate.config import PARTS, SettingError, Settings, parse_parts

# The command groups that live in a module of their own (each has add_parser(commands)):
# what runs each.
GROUPS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "db": schema.run,
    "officers": accounts.run,
    "enterprises": accounts.run,
    "admin": admin.run,
    "openapi": openapi.run,
    "fees": fees.run,
}


class _Parser(argparse.ArgumentParser):
    """argparse's parser (and each sub-command's: they are made of the same class), whose
    answer to a mistake is one line, what is wrong and where the help is, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(
        prog="gate",
        description="Digital border-gate platform",
        epilog="Exit status: 0 done, 1 the work failed (the database cannot be used, a broken "
        "audit chain), 2 a mistake in the command or a setting (one line says which).",
    )
    parser.add_argument("--version", action="version", version=f"gate {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the platform (migrates and seeds first)")
    serve.add_argument("--host", default=None, help="default GATE_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default GATE_PORT or 8000")
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--parts",
        default=None,
        help=f"what this process serves, some of {','.join(PARTS)} (default GATE_PARTS or all)",
    )
    serve.add_argument(
        "--fd",
        type=int,
        default=None,
        help="serve on this inherited listening socket, not --host/--port (default GATE_LISTEN_FD)",
    )
    serve.add_argument(
        "--demo-fees",
        action="store_true",
        help="after seeding, give every gate without a fee schedule the demo's illustrative "
        "one (not the council's rates; scripts/serve asks for it)",
    )

    schema.add_parser(commands)

    audit = commands.add_parser("audit", help="the hash-chained audit log")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser(
        "verify", help="check every chain; name the first broken entry"
    )
    verify.add_argument(
        "--progress",
        action="store_true",
        help="entries read, every 5 %% of the log, on stderr (always on a terminal)",
    )

    commands.add_parser("sweep", help="run the no-show and missed-call sweeps once")

    statistics = commands.add_parser("statistics", help="the statistics' rollups")
    statistics_commands = statistics.add_subparsers(dest="statistics_command", required=True)
    statistics_commands.add_parser("update", help="fold in what changed since the last update")
    statistics_commands.add_parser("rebuild", help="recompute every rollup from the bookings")

    watch = commands.add_parser("watch", help="a gate's live board in the terminal")
    watch.add_argument("gate", help="gate code, e.g. tan-thanh")
    watch.add_argument("--url", default=None, help="the platform, default http://GATE_HOST:PORT")
    watch.add_argument("--once", action="store_true", help="print the board once and exit")

    simulate.add_parser(commands)
    accounts.add_parser(commands)
    admin.add_parser(commands)
    openapi.add_parser(commands)
    fees.add_parser(commands)

    args = parser.parse_args(simulate.lane_values(sys.argv[1:] if argv is None else argv))
    if args.command == "serve":
        # Through the environment, as each worker process's app factory reads its settings.
        if args.parts is not None:
            try:
                os.environ["GATE_PARTS"] = ",".join(parse_parts(args.parts))
            except ValueError as error:
                parser.error(str(error))
        if args.fd is not None:
            os.environ["GATE_LISTEN_FD"] = str(args.fd)
    try:
        settings = Settings.from_env()
    except SettingError as error:
        # One line naming the variable, not a traceback through the dataclass.
        print(f"gate: {error}", file=sys.stderr)
        return 2
    if args.command == "statistics":
        return run_on_database(settings, f"statistics {args.statistics_command}")
    if args.command == "simulate":
        return simulate.run(settings, args)
    if args.command in GROUPS:
        return GROUPS[args.command](settings, args)
    if args.command in ("audit", "sweep"):
        return run_on_database(settings, args.command, progress=getattr(args, "progress", False))
    if args.command == "serve":
        if settings.boards_fd is not None and args.workers > 1:
            # Worker processes are spawned afresh and inherit no descriptor but uvicorn's own.
            parser.error("GATE_BOARDS_FD serves the boards from one process: use --workers 1")
        return _serve(settings, args.host, args.port, args.workers, demo_fees=args.demo_fees)
    if args.command == "watch":
        from gate.live.terminal import watch as watch_board

        url = args.url or f"http://{settings.host}:{settings.port}"
        try:
            return asyncio.run(watch_board(url, args.gate, once=args.once))
        except KeyboardInterrupt:
            return 0
    return 2


def _version() -> str:
    """The installed distribution's version (pyproject.toml's, as pip installed it)."""
    try:
        return version("gate-platform")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def _upgrade(settings: Settings) -> None:
    from gate.store.migrate import upgrade

    upgrade(settings.database_url)


def _admin_token(settings: Settings) -> tuple[Path | None, str]:
    """Where the bootstrap secret is kept, when it is a file this process names to the
    workers, and what the banner says of it (never the secret itself): GATE_ADMIN_TOKEN or
    GATE_ADMIN_TOKEN_FILE as given, or for the embedded default one made once and kept in the
    data folder (readable by its owner only), read again when `gate admin rotate-token`
    replaces it."""
    if settings.admin_token:
        return None, "set (from GATE_ADMIN_TOKEN)"
    if settings.admin_token_file is not None:
        return None, f"in {settings.admin_token_file} (from GATE_ADMIN_TOKEN_FILE)"
    if not settings.is_sqlite:
        return None, "not set: administrator endpoints refuse every request"
    kept_secret(settings, ADMIN_TOKEN_FILE)
    path = Path(settings.data_dir) / ADMIN_TOKEN_FILE
    # Resolved for the workers: a relative folder would be theirs to resolve again.
    return path.resolve(), f"in {path} (readable by you only)"


def _serve(
    settings: Settings, host: str | None, port: int | None, workers: int, *, demo_fees: bool = False
) -> int:
    import uvicorn

    from gate.cli.metrics_dir import empty_given, multiprocess_metrics
    from gate.limits import allow_many_connections
    from gate.logs import configure_logging, logging_config
    from services.server import server_options

    # First: whatever the migration, the seeding or the start says is a JSON line too.
    configure_logging()
    empty_given()  # before anything is counted (gate/cli/metrics_dir.py)
    prepare_data_dir(settings)
    host = host or settings.host
    port = port or settings.port
    if settings.listen_fd is not None:
        host, port = _bound_address(settings.listen_fd)
    if settings.auto_migrate:
        _upgrade(settings)
    if settings.seed:
        asyncio.run(seed(settings))
    if demo_fees:
        fees.demo_on(settings)
    token_file, where = _admin_token(settings)
    if token_file is not None:
        # The file, not its contents: each worker reads it, and again once it is replaced.
        os.environ["GATE_ADMIN_TOKEN_FILE"] = str(token_file)
    if not os.environ.get("GATE_SECRET_KEY", "").strip():  # unset, or empty (compose.yaml)
        os.environ["GATE_SECRET_KEY"] = kept_secret(settings, "secret-key")
    base = f"http://{host}:{port}"
    bus = "Redis" if settings.redis_url else "in-memory event bus"
    boards_port = (
        _bound_address(settings.boards_fd)[1]
        if settings.boards_fd is not None
        else settings.boards_port
    )
    boards = (
        f"ws://{host}:{boards_port}/ws/v1/gates/<gate>/board"
        if boards_port and "boards" in settings.parts
        else None
    )
    _banner(
        {
            "database": safe_url(settings.database_url),
            "bus": bus,
            "api_docs": f"{base}/schema",
            "gates": f"{base}/api/v1/gates",
            "public_boards": boards,
            "admin_token": where,
        }
    )
    allow_many_connections()
    # An inherited socket (GATE_LISTEN_FD) is already bound, so nothing can take its port
    # between a supervisor's (or a test's) choice and this process's start.
    listen: dict[str, Any] = (
        {"fd": settings.listen_fd}
        if settings.listen_fd is not None
        else {"host": host, "port": port}
    )
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again for the action
    # that was there before: the default one would end a clean shutdown with status 143. Ours
    # exits with 0 (a SIGTERM before uvicorn's own handler is in place: at once, with 0).
    signal.signal(signal.SIGTERM, _stopped)
    # Several workers report as one on /metrics (gate/cli/metrics_dir.py).
    with multiprocess_metrics(workers):
        uvicorn.run(
            "services.app:create_app",
            factory=True,
            **listen,
            workers=workers,
            # Applied again by each worker uvicorn spawns (a fresh process): JSON there too.
            log_config=logging_config(),
            ws_per_message_deflate=settings.ws_compression,
            ws=settings.ws_implementation,
            proxy_headers=True,
            **server_options(settings),
        )
    return 0


def _stopped(_signal: int, _frame: Any) -> None:
    """SIGTERM outside uvicorn's shutdown (before it, or raised again after it): exit 0."""
    raise SystemExit(0)


def _banner(facts: dict[str, str | None]) -> None:
    """What `gate serve` tells whoever started it. A person at a terminal reads text; a
    supervisor, a container engine or a log pipeline (standard output not a terminal) gets
    one JSON line, ``serve.started`` with these facts, like every other line the process
    writes (docs/architecture.md, "Request ids")."""
    if not sys.stdout.isatty():
        logging.getLogger("gate.serve").info(
            "serve.started", extra={k: v for k, v in facts.items() if v is not None}
        )
        return
    boards = facts["public_boards"]
    print(
        f"\nDigital border-gate platform on {facts['database']} with {facts['bus']}\n"
        f"  API docs:      {facts['api_docs']}\n"
        f"  Gates:         {facts['gates']}\n"
        + (f"  Public boards: {boards}\n" if boards else "")
        + f"  Admin token:   {facts['admin_token']}\n",
        flush=True,
    )


def _bound_address(fd: int) -> tuple[str, int]:
    """The host and port the inherited listening socket ``fd`` is bound to."""
    with socket.socket(fileno=os.dup(fd)) as bound:
        host, port = bound.getsockname()[:2]
    return str(host), int(port)

"""``gate admin rotate-token``: a new administrator token.

Where the token is a file (the embedded default's ``admin-token`` in the data folder, or
GATE_ADMIN_TOKEN_FILE), the file is replaced, owner-only (0600), in one rename; every running
process reads it again at its next request (gate/authentication/admin_token.py), so the old
token is refused from then on without a restart. Where it is GATE_ADMIN_TOKEN, nothing here can
reach the running processes' environment: a new random token is printed with the steps (set
the variable, restart the processes), and the old one works until they restart."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gate.cli.files import ADMIN_TOKEN_FILE, new_secret, write_private
from gate.config import Settings

_STEPS = """\
GATE_ADMIN_TOKEN is read by each process when it starts, so:
  1. set GATE_ADMIN_TOKEN to the new token wherever the platform's processes take their
     environment (compose's .env file, the service unit, the orchestrator's secret);
  2. restart every process of the platform (api, checkin, realtime, pages, boards; with
     compose: `docker compose up -d`, which recreates the services whose environment changed);
  3. use the new token; the old one is accepted until the last process has restarted.
Or give the processes GATE_ADMIN_TOKEN_FILE, a file holding the token, instead: then this
command replaces that file and no restart is needed."""


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """The ``admin`` command group."""
    admin = commands.add_parser("admin", help="the administrator's token")
    rotate = admin.add_subparsers(dest="admin_command", required=True).add_parser(
        "rotate-token",
        help="a new administrator token; the old one refused from then on",
        description="Make a new administrator token.\n\n"
        "The embedded default (and GATE_ADMIN_TOKEN_FILE): the token file is replaced\n"
        "(0600) and the running platform refuses the old token from its next request,\n"
        "without a restart.\n\n"
        "GATE_ADMIN_TOKEN deployments: a new random token is printed, with the steps to put\n"
        "it in place (set the variable, restart the platform's processes); until they\n"
        "restart, the old token still works.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_STEPS,
    )
    rotate.add_argument(
        "--output",
        type=Path,
        help="GATE_ADMIN_TOKEN deployments: write the new token to this new file (0600) "
        "instead of printing it",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Rotate; 0, or 2 with one line (no token file where the settings say, an output that
    exists or cannot be written)."""
    path = settings.admin_token_file
    if path is None and settings.is_sqlite and not settings.admin_token:
        path = Path(settings.data_dir) / ADMIN_TOKEN_FILE
    if path is None:
        return _printed(args.output)
    if args.output is not None:
        print(f"gate: --output: the token is kept in {path}, which is replaced", file=sys.stderr)
        return 2
    if not path.is_file():
        print(
            f"gate: no administrator token at {path}; set GATE_DATA_DIR to the platform's data "
            "folder (the one `gate serve` printed) or GATE_ADMIN_TOKEN_FILE to its token file",
            file=sys.stderr,
        )
        return 2
    try:
        write_private(path, new_secret() + "\n", replace=True)
    except OSError as error:
        print(f"gate: cannot replace {path}: {error.strerror or error}", file=sys.stderr)
        return 2
    print(
        f"administrator token replaced in {path} (readable by you only); running processes "
        "refuse the old one from their next request"
    )
    return 0


def _printed(output: Path | None) -> int:
    """A GATE_ADMIN_TOKEN deployment: the new token on standard output (or into a new 0600
    file), the steps on standard error."""
    token = new_secret()
    if output is not None:
        try:
            write_private(output, token + "\n", replace=False)
        except FileExistsError:
            print(f"gate: --output {output} exists: not overwritten", file=sys.stderr)
            return 2
        except OSError as error:
            print(f"gate: --output {output}: {error.strerror or error}", file=sys.stderr)
            return 2
        print(f"new administrator token written to {output} (readable by you only)")
    else:
        print(token)
    print(_STEPS, file=sys.stderr)
    return 0

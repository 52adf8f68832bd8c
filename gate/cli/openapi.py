"""``gate openapi``: the OpenAPI document as the platform serves it at
``/schema/openapi.json``, byte for byte, without starting a server or opening a database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gate.config import PARTS, Settings, parse_parts


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """The ``openapi`` command."""
    openapi = commands.add_parser(
        "openapi",
        help="write the OpenAPI document (JSON) without serving",
        description="Write the OpenAPI document, the same bytes GET /schema/openapi.json "
        "answers, to standard output or a file; starts no server and opens no database.",
    )
    openapi.add_argument("--output", type=Path, help="write it to this file (replaced)")
    openapi.add_argument(
        "--parts",
        default=None,
        help=f"the document of a process serving these, some of {','.join(PARTS)} "
        "(default GATE_PARTS or all)",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Write the document; 2 with one line for a wrong part or an output that cannot be
    written."""
    # The web layer is the one thing the core's command line may import (pyproject.toml,
    # [tool.importlinter]): the document is the routes'.
    from services.openapi_document import openapi_json

    try:
        parts = parse_parts(args.parts) if args.parts is not None else settings.parts
    except ValueError as error:
        print(f"gate: --parts: {error}", file=sys.stderr)
        return 2
    document = openapi_json(parts)
    if args.output is None:
        sys.stdout.buffer.write(document)
        sys.stdout.buffer.flush()
        return 0
    try:
        args.output.write_bytes(document)
    except OSError as error:
        print(f"gate: --output {args.output}: {error.strerror or error}", file=sys.stderr)
        return 2
    print(f"OpenAPI document written to {args.output} ({len(document):,} bytes)", file=sys.stderr)
    return 0

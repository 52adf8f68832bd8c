"""The OpenAPI document without serving it (``gate openapi``): the very bytes
``GET /schema/openapi.json`` answers (tests/e2e/test_operator_cli.py compares them)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from tempfile import TemporaryDirectory

from litestar.serialization import encode_json, get_serializer

from gate.bus.events import InMemoryEventBus
from gate.config import PARTS, Settings
from services.app import assemble_app, build_platform


def openapi_json(parts: Iterable[str] = PARTS) -> bytes:
    """The document of a process serving ``parts`` (all of them by default), as UTF-8 JSON.

    The routing table is built around a platform that is never started: its engine and bus are
    made but nothing is connected or opened (no database, no Redis; the engine's SQLite file,
    in a folder made and removed here, is never created), since the document is built from the
    routes alone (``assemble_app``). ValueError for an unknown part.
    """
    parts = tuple(parts)
    with TemporaryDirectory() as nowhere:  # the engine's file, never opened
        settings = Settings(data_dir=Path(nowhere), parts=parts)
        app = assemble_app(build_platform(settings, InMemoryEventBus()), parts)
    # As Litestar's JSON render plugin encodes it for the route (the app's type encoders).
    return encode_json(app.openapi_schema.to_schema(), serializer=get_serializer(app.type_encoders))

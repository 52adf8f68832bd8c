"""One Litestar object per test process, a new platform for each test.

Building the app registers some 370 route handlers (signatures, dependency graphs, copies of
the routers): 0.3 s on an idle core, twice that on a busy one, and most of a thousand tests
need an app. What a test changes lives in the platform (database, bus, settings), which
``services.app.build_platform`` makes afresh; the routing table does not change between tests
whose settings differ only in their database, data folder and secret, so it is built once
per such shape and given each test's platform before its lifespan starts.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from litestar import Litestar

from gate.bus.events import EventBus
from gate.config import Settings
from services.app import assemble_app, build_platform

_built: dict[str, Litestar] = {}


def _shape(settings: Settings) -> str:
    """``settings`` without what each test has of its own (as text: some fields are dicts)."""
    return repr(
        dataclasses.replace(
            settings, data_dir=Path("."), database_url="", secret_key="", admin_token=None
        )
    )


def app_for(settings: Settings, bus: EventBus) -> Litestar:
    """The app for one test, with a platform of its own on ``settings`` and ``bus``. One test
    at a time per process uses it (pytest-xdist runs tests one by one in each worker); a test
    that needs two apps at once builds the second with ``services.app.create_app``."""
    platform = build_platform(settings, bus)
    shape = _shape(settings)
    app = _built.get(shape)
    if app is None:
        app = _built[shape] = assemble_app(settings, platform)
    else:
        app.state.platform = platform
    return app

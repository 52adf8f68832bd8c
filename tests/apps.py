"""One Litestar object per test process, a new platform for each test.

Building the app registers some 370 route handlers (signatures, dependency graphs, copies of
the routers): 0.3 s on an idle core, twice that on a busy one, and most of a thousand tests
need an app. What a test changes lives in the platform (database, bus, settings, limits),
which ``services.app.build_platform`` makes afresh; the app object is built from no setting
(``services.app.assemble_app``), so it is built once and given each test's platform before
its lifespan starts.
"""

from __future__ import annotations

from litestar import Litestar

from gate.bus.events import EventBus
from gate.config import Settings
from services.app import assemble_app, build_platform

_built: list[Litestar] = []


def app_for(settings: Settings, bus: EventBus) -> Litestar:
    """The app for one test, with a platform of its own on ``settings`` and ``bus``. One test
    at a time per process uses it (pytest-xdist runs tests one by one in each worker); a test
    that needs two apps at once builds the others with ``services.app.create_app``."""
    platform = build_platform(settings, bus)
    if not _built:
        _built.append(assemble_app(platform))
    app = _built[0]
    app.state.platform = platform
    return app

"""One Litestar object per set of parts per test process, a new platform for each test.

Building the app registers some 370 route handlers (signatures, dependency graphs, copies of
the routers): 0.3 s on an idle core, twice that on a busy one, and most of a thousand tests
need an app. What a test changes lives in the platform (database, bus, settings, limits),
which ``services.app.build_platform`` makes afresh; the app object is built from no setting
but the parts it mounts (``services.app.assemble_app``), so it is built once per set of parts
and given each test's platform before its lifespan starts.
"""

from __future__ import annotations

from litestar import Litestar

from gate.bus.events import EventBus
from gate.config import Settings
from gate.logs import install_redaction
from services.app import assemble_app, build_platform
from services.platform import Platform

_built: dict[frozenset[str], Litestar] = {}


def app_for(settings: Settings, bus: EventBus | None = None) -> Litestar:
    """The app for one test, with a platform of its own on ``settings`` and ``bus`` (as
    ``services.app.create_app`` makes it: Redis when ``settings`` name one and ``bus`` is
    None, else in memory). One test at a time per process runs (pytest-xdist runs tests one
    by one in each worker); an app whose platform is still running (a test that serves two
    at once) is left to it, and the caller gets an app of its own."""
    install_redaction()  # as create_app does: idempotent
    platform = build_platform(settings, bus)
    parts = frozenset(settings.parts)
    app = _built.get(parts)
    if app is None or _running(app.state.platform):
        app = assemble_app(platform, settings.parts)
        _built.setdefault(parts, app)
    app.state.platform = platform
    return app


def _running(platform: Platform) -> bool:
    """Whether ``platform``'s lifespan has started and not yet stopped: its live boards'
    tasks are under way."""
    return any(not task.done() for task in platform.live._tasks)

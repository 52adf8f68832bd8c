"""One platform for many browser tests that only read pages (the accessibility walk) and for
the README's screenshots: served by uvicorn on a thread of its own, with an event loop of its
own, so that it outlives the event loop of each test (pytest-asyncio gives every test a new
one) and is set up once per test process instead of once per test.

The app is assembled here rather than taken from ``tests.apps.app_for``: that one keeps one
app per worker for the tests that come one after another, and a platform that runs for the
whole session would make every later test build an app of its own.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.logs import install_redaction
from services.app import assemble_app, build_platform
from tests.asgi import served
from tests.helpers import ADMIN_TOKEN, Api, open_all_day

T = TypeVar("T")
# Seconds the platform may take to start and its scene to be set, on a busy 2-core machine.
READY_WITHIN = 240


def settings_for(database_url: str, data_dir: Path) -> Settings:
    """The settings of a shared platform on ``database_url`` (migrated and seeded): no sweeps
    nor outbox rounds (nothing changes behind the pages), the boards' broadcast server on a
    port of its own as in production."""
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        admin_token=ADMIN_TOKEN,
        sweep_seconds=0,
        outbox=False,
        boards_port=0,
    )


@contextmanager
def platform_in_a_thread(
    settings: Settings, prepare: Callable[[Api, str], Awaitable[T]]
) -> Iterator[tuple[str, T]]:
    """The platform of ``settings`` served on 127.0.0.1 by a thread of its own; once it
    answers, its gates open round the clock and ``prepare(api, base)`` run there (an API
    client of the platform and its base URL). Yields the base URL and what ``prepare``
    returned; stops the server and the thread on exit. An error while starting or preparing
    is raised here."""
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def main() -> None:
        stop = asyncio.Event()
        box["stop"] = (asyncio.get_running_loop(), stop)
        install_redaction()
        app = assemble_app(build_platform(settings, InMemoryEventBus()), settings.parts)
        async with served(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as client:
            api = Api(client)
            await open_all_day(api)
            box["prepared"] = await prepare(api, base)
            box["base"] = base
            ready.set()
            await stop.wait()

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as error:  # handed to the caller, which raises it
            box["error"] = error
        finally:
            ready.set()

    thread = threading.Thread(target=run, name="shared-platform", daemon=True)
    thread.start()
    if not ready.wait(READY_WITHIN):
        raise TimeoutError(f"the shared platform was not ready in {READY_WITHIN} s")
    if "error" in box:
        raise box["error"]
    try:
        yield box["base"], box["prepared"]
    finally:
        loop, stop = box["stop"]
        loop.call_soon_threadsafe(stop.set)
        thread.join(60)

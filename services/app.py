"""The app factory: every service of the platform mounted in one process (the embedded
default), or one of them per process in production."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from gate.bus.events import EventBus, create_event_bus
from gate.checkins.batcher import CheckinBatcher
from gate.config import Settings
from gate.live.service import Live
from gate.logs import install_redaction
from gate.store.database import create_engine, create_session_factory
from gate.store.unit_of_work import UnitOfWork
from gate.sweeps import sweep_forever
from services.api import api_router
from services.api.dependencies import DEPENDENCIES
from services.api.health import live, ready
from services.api.problems import EXCEPTION_HANDLERS, describe_problem_type
from services.api.requests import check_request
from services.boards.server import BoardServer
from services.checkin import checkin_router
from services.platform import Platform
from services.realtime import realtime_router
from services.web import csrf_config, template_config, web_router

MAX_BODY_BYTES = 64 * 1024


def create_app(settings: Settings | None = None, bus: EventBus | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    # In each worker process too (``--workers N`` starts them afresh): request lines redacted.
    install_redaction()
    engine = create_engine(settings)
    bus = bus or create_event_bus(settings.redis_url, settings.redis_namespace)
    session_factory = create_session_factory(engine)
    read_session_factory = create_session_factory(engine, read_only=True)
    platform = Platform(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        read_session_factory=read_session_factory,
        bus=bus,
        live=Live(
            lambda: UnitOfWork(read_session_factory, bus),
            bus,
            settings.redis_url,
            settings.redis_namespace,
            horizon=timedelta(days=settings.booking_horizon_days),
        ),
    )
    if settings.checkin_batch_ms > 0:
        platform.checkins = CheckinBatcher(
            platform.unit_of_work,
            max_wait=settings.checkin_batch_ms / 1000,
            retention=settings.device_event_retention,
        )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await platform.live.start()
        boards = None
        if settings.boards_port is not None:
            boards = BoardServer(platform.live, platform.gate_id)
            platform.boards_port = await boards.start(settings.host, settings.boards_port)
        if platform.checkins is not None:
            platform.checkins.start()
        sweeper = None
        if settings.sweep_seconds > 0:
            sweeper = asyncio.create_task(sweep_forever(platform.unit_of_work, settings))
        try:
            yield
        finally:
            if sweeper is not None:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
            if platform.checkins is not None:
                await platform.checkins.stop()
            if boards is not None:
                await boards.stop()
            await platform.live.stop()
            await platform.bus.close()
            await platform.engine.dispose()

    return Litestar(
        route_handlers=[
            api_router,
            checkin_router,
            realtime_router,
            web_router,
            live,
            ready,
            describe_problem_type,
        ],
        template_config=template_config,
        csrf_config=csrf_config(settings),
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=check_request,
        lifespan=[lifespan],
        state=_state(platform),
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="Digital border-gate platform (Cửa khẩu số)",
            version="1.0.0",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="An API key (gk_…), a user session (gs_…) or the admin token",
                    )
                }
            ),
            security=[{"bearer": []}],
        ),
        logging_config=None,
        debug=False,
    )


def _state(platform: Platform) -> State:
    return State({"platform": platform})

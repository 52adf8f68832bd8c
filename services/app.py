"""The app factory: every part of the platform mounted in one process (the embedded
default), or the parts a process is asked for (GATE_PARTS, ``gate serve --parts``).

A part's module is imported only when the part is mounted (``_PART_ROUTERS``, imported by
name), so a process started for check-ins alone loads nothing of the pages or the booking
API; what every part needs is in ``services/common/``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import logging
import os
import socket
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from gate.accounts.access import Ending, Grant, ended
from gate.accounts.memory import DEFAULT_TTL_S, KeyMemory
from gate.addresses import pipeline_host
from gate.bookings.full_slots import FullSlots
from gate.bookings.rush import BookingBatcher
from gate.bookings.together import Decider
from gate.bus.events import EventBus, create_event_bus
from gate.checkins.batcher import CheckinBatcher
from gate.checkins.pipelines import Pipelines
from gate.config import PARTS, Settings
from gate.devices.keys import DeviceKeys
from gate.live.guard import StreamGuard
from gate.live.service import Live
from gate.logs import install_redaction
from gate.metrics import forget_process
from gate.store.database import create_engine, create_session_factory
from gate.store.lagging_reads import LaggingReads
from gate.store.replica import Replica
from gate.sweeps import sweep_forever
from gate.throttling import Throttles
from services.checkins.by_hand import decide_by_hand
from services.common.contract import describe_problem_type
from services.common.dependencies import DEPENDENCIES
from services.common.health import live, ready
from services.common.metrics import metrics
from services.common.problems import EXCEPTION_HANDLERS
from services.common.requests import MAX_BODY_BYTES, check_request
from services.docs import SwaggerDocs
from services.draining import when_draining
from services.edge import at_the_edge
from services.platform import Platform, build_outbox
from services.sockets import AddressCap

log = logging.getLogger("gate.app")

# The router of each part that has routes: (module, name), imported only when mounted. The
# boards' part is a server of its own (services/boards), started by the lifespan.
_PART_ROUTERS = {
    "api": ("services.api", "api_router"),
    "checkin": ("services.checkins", "checkin_router"),
    "realtime": ("services.live", "realtime_router"),
    "pages": ("services.web", "web_router"),
}


def create_app(settings: Settings | None = None, bus: EventBus | None = None) -> Litestar:
    """The platform's ASGI app for ``settings`` (from the environment when None), publishing
    on ``bus`` (Redis when configured, else in memory, when None)."""
    settings = settings or Settings.from_env()
    # In each worker process too (``--workers N`` starts them afresh): request lines redacted.
    install_redaction()
    return assemble_app(build_platform(settings, bus), settings.parts)


def build_platform(settings: Settings, bus: EventBus | None = None) -> Platform:
    """What one process holds between requests: engine, sessions, bus, live boards, batcher.

    Everything that lives for the process and is not the routing table belongs here, not in
    the Litestar object: the tests build one Litestar object per worker and give it a new
    platform per test (tests/apps.py), which is how 1,000 tests avoid 0.3 s of route
    registration each."""
    engine = create_engine(settings)
    bus = bus or create_event_bus(
        settings.redis_url, settings.redis_namespace, settings.bus_publish_timeout_s
    )
    session_factory = create_session_factory(engine)
    read_session_factory = create_session_factory(engine, read_only=True)
    reads = LaggingReads(read_session_factory, bus, Replica.of(settings, engine))
    platform = Platform(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        read_session_factory=read_session_factory,
        bus=bus,
        reads=reads,
        live=Live(
            reads.fresh,
            bus,
            settings.redis_url,
            settings.redis_namespace,
            horizon=timedelta(days=settings.booking_horizon_days),
        ),
        throttles=Throttles(settings),
        sockets=AddressCap(settings.ws_max_per_address),
        # A key revoked through another process is forgotten here when its event arrives,
        # and within the streams' bound without one (docs/architecture.md).
        api_keys=KeyMemory(min(DEFAULT_TTL_S, settings.stream_recheck_s)),
        device_keys=DeviceKeys(KeyMemory(min(DEFAULT_TTL_S, settings.stream_recheck_s))),
    )

    async def check_grants(grants: Sequence[Grant]) -> list[Ending | None]:
        async with platform.unit_of_work(read_only=True) as uow:
            return await ended(uow, grants)

    platform.streams = StreamGuard(check_grants, settings.stream_recheck_s)
    platform.outbox = build_outbox(platform)
    platform.live.listen(platform.access_changed)
    platform.live.listen(platform.gate_changed)
    platform.live.listen(platform.versions.heard)
    if settings.checkin_batch_ms > 0:
        platform.checkins = CheckinBatcher(
            platform.unit_of_work,
            max_wait=settings.checkin_batch_ms / 1000,
            answer_s=settings.pipeline_answer_s,
            gates=platform.gates,
            retention=settings.device_event_retention,
            pipelines=Pipelines(
                platform.unit_of_work, term=timedelta(seconds=settings.pipeline_lease_s)
            ),
            by_hand=functools.partial(decide_by_hand, retention=settings.idempotency_key_retention),
        )
        # A process that decides a gate's check-ins leaves the live projector to one that
        # decides none, if there is one (issue 20; docs/architecture.md, "Live status").
        platform.live.projector.busy = platform.checkins.pipelines.holds_any
    if settings.booking_batch_ms > 0 and "api" in settings.parts:
        platform.bookings = _booking_batcher(platform)
    return platform


def _booking_batcher(platform: Platform) -> BookingBatcher:
    """The group commit of booking attempts, for a process that serves the API."""
    # Imported here: a process without the API loads none of its modules (tests/integration/
    # test_parts.py), and only the API books through the batcher.
    from services.api.bookings.rush import BookingAnswers

    settings = platform.settings
    full = FullSlots()
    platform.live.listen(full.heard)  # a place freed anywhere: the slot is read again
    return BookingBatcher(
        platform.unit_of_work,
        Decider(platform.gates, full, BookingAnswers(), settings.idempotency_key_retention),
        max_wait=settings.booking_batch_ms / 1000,
    )


@asynccontextmanager
async def run_platform(app: Litestar) -> AsyncIterator[None]:
    """The app's lifespan: start the platform in ``app.state.platform`` (live boards, boards'
    server, check-in batcher, sweeps), and stop it and release its connections at shutdown."""
    platform: Platform = app.state.platform
    settings = platform.settings
    if platform.reads.replica is not None:
        platform.reads.replica.start()
    await platform.live.start()
    if platform.streams is not None:
        platform.streams.start()
    boards = None
    wanted = settings.boards_port is not None or settings.boards_fd is not None
    if wanted and "boards" in settings.parts:
        from services.boards.server import BoardServer

        boards = BoardServer(
            platform.live,
            platform.gate_id,
            AddressCap(settings.boards_max_per_address, "boards"),
            settings.ws_max_message_bytes,
        )
        if settings.boards_fd is not None:
            # A duplicate: the server closes its socket at shutdown, the inherited one stays.
            listener = socket.socket(fileno=os.dup(settings.boards_fd))
            platform.boards_port = await boards.start(sock=listener)
        else:
            platform.boards_port = await boards.start(settings.host, settings.boards_port)
    if platform.checkins is not None:
        # Other processes forward the check-ins of the gates whose lease this one holds.
        taking = "checkin" in settings.parts and settings.pipeline_host
        await platform.checkins.start(pipeline_host(settings.pipeline_host) if taking else None)
    if platform.bookings is not None:
        platform.bookings.start()
    if settings.outbox and platform.outbox is not None:
        platform.outbox.start()
    sweeper = None
    if settings.sweep_seconds > 0:
        sweeper = asyncio.create_task(sweep_forever(platform.unit_of_work, settings))
    forget_drain = when_draining(lambda: _drain_check_ins(platform))
    try:
        yield
    finally:
        forget_drain()
        await _stop(platform, sweeper, boards)


def _drain_check_ins(platform: Platform) -> None:
    """The server began to shut down (services/draining.py): the check-ins still queued a
    second before its bound (GATE_SHUTDOWN_TIMEOUT) are answered 503 undecided, not cancelled
    with their requests (which uvicorn would answer 500, their events perhaps acted on)."""
    if platform.checkins is not None:
        platform.checkins.drain(max(platform.settings.shutdown_timeout_s - 1.0, 0.0))


# How long one step of the shutdown may take before the next goes on without it. A worker
# that never finishes its shutdown is never replaced by its supervisor and holds the port:
# seen once under load, a worker of `gate serve --workers 2` stayed in "Waiting for
# application shutdown" for good after a wrk run; the log now names the step that hung.
STOP_STEP_S = 10.0


async def _stop(platform: Platform, sweeper: asyncio.Task[None] | None, boards: Any) -> None:
    """Stop the platform's parts in order, each within ``STOP_STEP_S``."""

    async def cancelled(task: asyncio.Task[None]) -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    steps: list[tuple[str, Any]] = []
    if platform.outbox is not None:
        # First: its round under way records its attempts while the database is there.
        steps.append(("outbox dispatcher", platform.outbox.stop()))
    if sweeper is not None:
        steps.append(("sweeps", cancelled(sweeper)))
    if platform.checkins is not None:
        steps.append(("check-in batcher", platform.checkins.stop()))
    if platform.bookings is not None:
        steps.append(("booking batcher", platform.bookings.stop()))
    if boards is not None:
        steps.append(("boards' server", boards.stop()))
    if platform.streams is not None:
        steps.append(("stream guard", platform.streams.stop()))
    steps += [
        ("live boards", platform.live.stop()),
        ("rate limits", platform.throttles.close()),
        ("event bus", platform.bus.close()),
        ("database pool", platform.engine.dispose()),
    ]
    if platform.reads.replica is not None:
        steps.append(("read replica", platform.reads.replica.stop()))
    for name, step in steps:
        try:
            await asyncio.wait_for(step, STOP_STEP_S)
        except TimeoutError:
            log.error("platform.stop.step_timed_out", extra={"step": name, "bound_s": STOP_STEP_S})
        except Exception:  # one part failing to stop must not keep the others' resources
            log.exception("platform.stop.step_failed", extra={"step": name})
    # Its sockets and connections are gone: out of the other workers' sums (gate/metrics.py).
    forget_process()


def assemble_app(platform: Platform, parts: Iterable[str] = PARTS) -> Litestar:
    """The routing table of ``parts`` (names from ``gate.config.PARTS``; health, the
    metrics and the problem types' documentation always), hooks, middleware and OpenAPI
    document around ``platform``. Nothing else here is built from settings: what a request
    needs at run time (settings included) it reads from ``app.state.platform``, so one app
    object can serve one platform after another (tests/apps.py). ValueError for a part
    there is none of."""
    mounted = set(parts)
    unknown = mounted - set(PARTS)
    if unknown:
        raise ValueError(f"no such part: {', '.join(sorted(unknown))}; parts: {', '.join(PARTS)}")
    routers: list[Router] = [
        getattr(importlib.import_module(module), name)
        for part, (module, name) in _PART_ROUTERS.items()
        if part in mounted
    ]
    template_config = None
    exception_handlers = EXCEPTION_HANDLERS
    if "pages" in mounted:
        pages = importlib.import_module("services.web")
        template_config = pages.template_config
        # An address that is no route answers a browser with a page (problem_pages.py).
        exception_handlers = {**EXCEPTION_HANDLERS, **pages.APP_HANDLERS}
    app = Litestar(
        route_handlers=[*routers, live, ready, metrics, describe_problem_type],
        template_config=template_config,
        dependencies=DEPENDENCIES,
        exception_handlers=exception_handlers,
        before_request=check_request,
        # No middleware and no before_send hook here: what applies to every request (its id,
        # count, retry, security headers) is done once at the edge, below; the websocket cap
        # is the websocket routes' own middleware (services/sockets.py).
        lifespan=[run_platform],
        state=_state(platform),
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="Digital border-gate platform (Cửa khẩu số)",
            version="1.0.0",
            path="/schema",
            # Each handler's docstring is its operation's description, written for partners.
            use_handler_docstrings=True,
            render_plugins=[SwaggerDocs()],
            # What an enterprise's endpoints receive (OpenAPI 3.1's top-level webhooks),
            # documented where the webhooks API is mounted; imported only then, so a
            # check-in process loads nothing of the API (tests/integration/test_parts.py).
            webhooks=(
                importlib.import_module("services.api.webhooks.openapi").webhooks_section()
                if "api" in mounted
                else None
            ),
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description=(
                            "An enterprise's API key (gk_…), a user's or officer's session "
                            "(gs_…), a gate device's key or the administrator's token; each "
                            "operation names the kinds it takes"
                        ),
                    )
                }
            ),
            # No document-wide requirement: each operation that needs a credential says so
            # (services/api/contract.py), so the public ones carry none.
        ),
        logging_config=None,
        debug=False,
    )
    # Every request in its request id, counted, retried after a transient conflict and
    # answered with the security headers, the unrouted ones too (services/edge.py).
    app.asgi_handler = at_the_edge(app.asgi_handler)
    return app


def _state(platform: Platform) -> State:
    return State({"platform": platform})

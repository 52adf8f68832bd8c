"""Liveness and readiness, for the proxy and the orchestrator."""

from __future__ import annotations

import asyncio

from litestar import Response, get
from litestar.di import NamedDependency

from gate.store.database import probe_writable
from services.common.contract import documented
from services.common.schemas import Output
from services.platform import Platform


class Readiness(Output, omit_defaults=True):
    """``database``: ``up``, or how it is unavailable (a ``reason`` of the 503 problems:
    ``read-only-file``, ``starting-up``, ...); ``bus``: ``up``, or ``down`` when Redis does not
    answer or refuses writes; ``detail``: what is wrong, in words, when something is."""

    database: str
    bus: str
    detail: str | None = None


class Liveness(Output):
    """``status``: always ``ok``."""

    status: str


@get(
    "/health/live",
    operation_id="live",
    tags=["health"],
    sync_to_thread=False,
    **documented("Is the process alive", database=False),
)
def live() -> Liveness:
    """200 while the process answers at all; asks nothing of the database or the bus."""
    return Liveness("ok")


@get(
    "/health/ready",
    operation_id="ready",
    tags=["health"],
    **documented(
        "Can the process serve",
        database=False,
        answer=(503, Readiness, "Not ready: what is down (`database`, `bus`, `detail`)"),
    ),
)
async def ready(platform: NamedDependency[Platform]) -> Response[Readiness]:
    """200 when the database and the bus take writes; 503 naming what does not. The database
    is probed with a write that changes nothing (``probe_writable``): a database that still
    reads but can no longer be written (a read-only folder, a standby) is not ready; the bus
    with a short-lived key of its own (``EventBus.ping``), for the same reason. Each probe is
    bounded by GATE_READY_TIMEOUT."""
    bound = platform.settings.ready_timeout_s
    fault, bus_up = await asyncio.gather(
        probe_writable(platform.engine, bound), _bus_answers(platform, bound)
    )
    problems = [fault.description] if fault is not None else []
    if not bus_up:
        problems.append("the event bus (Redis) does not answer or takes no writes")
    readiness = Readiness(
        database="up" if fault is None else fault.value,
        bus="up" if bus_up else "down",
        detail="; ".join(problems) or None,
    )
    return Response(readiness, status_code=503 if problems else 200)


async def _bus_answers(platform: Platform, bound: float) -> bool:
    try:
        async with asyncio.timeout(bound):
            return await platform.bus.ping()
    except TimeoutError:
        return False

"""Liveness and readiness, for the proxy and the orchestrator."""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency
from sqlalchemy import text

from services.api.schemas import Output
from services.platform import Platform


class Readiness(Output):
    database: str
    bus: str


@get("/health/live", operation_id="live", tags=["health"], security=[], sync_to_thread=False)
def live() -> dict[str, str]:
    return {"status": "ok"}


@get("/health/ready", operation_id="ready", tags=["health"], security=[])
async def ready(platform: NamedDependency[Platform]) -> Response[Readiness]:
    """503 while the database or the bus is unreachable."""
    try:
        async with platform.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        database = "up"
    except Exception:
        database = "down"
    bus = "up" if await platform.bus.ping() else "down"
    status = 200 if database == bus == "up" else 503
    return Response(Readiness(database, bus), status_code=status)

"""The device check-in service: the platform's hot path, kept lean and mountable on its own."""

from litestar import Router

from services.checkins.endpoints import CheckinController

checkin_router = Router(path="/api/v1", route_handlers=[CheckinController])

__all__ = ["checkin_router"]

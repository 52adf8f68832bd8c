"""The pages people use, served by the platform itself with no build step: the public boards,
the enterprise portal and the officer console (templates and static files in frontend/)."""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from gate.config import Settings
from services.web.console import ConsoleController
from services.web.portal import PortalController
from services.web.public import (
    SignInRequired,
    board_page,
    choose_language,
    gates_page,
    sign_in,
    sign_in_page,
    sign_out,
    to_sign_in,
)

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"

web_router = Router(
    path="/",
    route_handlers=[
        gates_page,
        board_page,
        choose_language,
        sign_in_page,
        sign_in,
        sign_out,
        PortalController,
        ConsoleController,
        create_static_files_router(path="/static", directories=[FRONTEND / "static"]),
    ],
    include_in_schema=False,
    exception_handlers={SignInRequired: to_sign_in},
)

template_config = TemplateConfig(directory=FRONTEND / "templates", engine=JinjaTemplateEngine)


def csrf_config(settings: Settings) -> CSRFConfig:
    """CSRF protection for the browser forms (double-submit: a signed cookie and the form's
    hidden field must match). The API, the websockets and devices authenticate with bearer
    tokens, never cookies, so they are outside it."""
    return CSRFConfig(
        secret=settings.secret_key,
        cookie_name="gate_csrf",
        cookie_secure=settings.secure_cookies,
        cookie_samesite="lax",
        cookie_httponly=True,
        exclude=["^/api/", "^/ws/", "^/health/", "^/problems/", "^/schema", "^/static/"],
    )


__all__ = ["csrf_config", "template_config", "web_router"]

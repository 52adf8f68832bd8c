"""The pages people use, served by the platform itself with no build step: the public boards,
the enterprise portal and the officer console (templates and static files in frontend/)."""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from services.web import locale_format, names
from services.web.accounts import (
    forgot,
    forgot_page,
    join,
    join_page,
    reset,
    reset_page,
    reset_sent,
    sign_up,
    sign_up_page,
    signed_up,
)
from services.web.console import ConsoleController
from services.web.console_cash import ConsoleCashController
from services.web.console_details import ConsoleDetailsController
from services.web.console_dispatch import ConsoleDispatchController
from services.web.console_fees import ConsoleFeesController
from services.web.console_no_shows import ConsoleNoShowsController
from services.web.console_partner import ConsolePartnerController
from services.web.csrf import check_csrf
from services.web.driver import driver_router
from services.web.driver_links import DriverLinkPages
from services.web.keys import KeysController
from services.web.notifications import DriverMessagesController, MyMessagesController
from services.web.people import PeoplePages
from services.web.portal import PortalController
from services.web.portal_booking import BookPages
from services.web.portal_booking_page import BookingPage
from services.web.portal_bookings import BookingsList
from services.web.portal_declaration import DeclarationPage
from services.web.portal_rebooking import RebookingPage
from services.web.portal_receipt import PortalReceiptPage
from services.web.problem_pages import APP_HANDLERS, PAGE_HANDLERS
from services.web.public import (
    SignInRequired,
    board_page,
    choose_language,
    favicon,
    gates_page,
    home,
    sign_in,
    sign_in_page,
    sign_out,
    to_sign_in,
)
from services.web.statements import StatementPages
from services.web.statistics import StatisticsController
from services.web.transparency import transparency_gates, transparency_page
from services.web.webhooks import WebhookPages
from services.web.yards import YardConsoleController

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"

_pages = Router(
    path="/",
    route_handlers=[
        gates_page,
        favicon,
        home,
        board_page,
        transparency_gates,
        transparency_page,
        choose_language,
        sign_in_page,
        sign_in,
        sign_out,
        sign_up_page,
        sign_up,
        signed_up,
        join_page,
        join,
        forgot_page,
        forgot,
        reset_sent,
        reset_page,
        reset,
        PortalController,
        PortalReceiptPage,
        BookingsList,
        BookPages,
        BookingPage,
        DeclarationPage,
        RebookingPage,
        KeysController,
        PeoplePages,
        MyMessagesController,
        DriverMessagesController,
        WebhookPages,
        DriverLinkPages,
        ConsoleController,
        ConsoleDispatchController,
        ConsoleDetailsController,
        ConsoleCashController,
        ConsolePartnerController,
        ConsoleFeesController,
        ConsoleNoShowsController,
        YardConsoleController,
        StatisticsController,
        StatementPages,
        create_static_files_router(path="/static", directories=[FRONTEND / "static"]),
    ],
    include_in_schema=False,
    # A refusal is a page for a browser, problem details for any other client
    # (services/web/problem_pages.py).
    exception_handlers={SignInRequired: to_sign_in, **PAGE_HANDLERS},
    # Every form post to a page carries this browser's session-bound token (services/web/csrf.py).
    guards=[check_csrf],
)

# The driver's page takes its link as its only credential, never a cookie: outside the
# pages' CSRF guard (services/web/driver.py says why).
web_router = Router(path="/", route_handlers=[_pages, driver_router])


def _words_and_formats(engine: JinjaTemplateEngine) -> None:
    # Dates, numbers and stored codes said in each page's language, for every template.
    locale_format.register(engine.engine)
    names.register(engine.engine)


template_config = TemplateConfig(
    directory=FRONTEND / "templates",
    engine=JinjaTemplateEngine,
    engine_callback=_words_and_formats,
)


__all__ = ["APP_HANDLERS", "template_config", "web_router"]

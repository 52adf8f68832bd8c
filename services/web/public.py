"""Public pages: the list of gates with their current wait, and a gate's live board
(big screen with ?layout=wall, phone by default)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts import service as accounts
from gate.accounts.principal import EnterpriseKind, EnterpriseUser, Officer, Principal
from gate.domain.errors import DomainError, TooManyRequests
from gate.domain.time import utc_now
from gate.gates.calendar import gate_by_code
from gate.gates.service import list_gates
from gate.live.channels import board_channel
from gate.live.projections import gate_state, public_board
from gate.store.unit_of_work import UnitOfWork
from services.api.throttle import client_address, throttled_sign_in
from services.common.session import (
    browser_cookie,
    browser_principal,
    forget_session,
    session_cookie,
    session_token,
)
from services.platform import Platform
from services.web.i18n import LANG_COOKIE, LANGUAGES
from services.web.render import page, safe_next, translator
from services.web.wall import board_layout, clock


@get("/", include_in_schema=False)
async def gates_page(
    request: Request[Any, Any, Any],
    uow: NamedDependency[UnitOfWork],
    platform: NamedDependency[Platform],
) -> Template:
    """Every gate with its wait: the boards the projector keeps live are read from this
    process's hub, and only a board it does not hold yet is computed here."""
    now = utc_now()
    boards = []
    for gate in await list_gates(uow):
        board = platform.live.hub.channel(board_channel(gate.code)).state
        if board is None:
            state = await gate_state(uow, gate, now, platform.horizon)
            computed = await public_board(uow, state, now)
            board = msgspec.to_builtins(computed)
        # name_zh: the gate's name on the page in Chinese (services/web/names.py).
        boards.append(
            {**board, "code": gate.code, "counterpart": gate.counterpart, "name_zh": gate.name_zh}
        )
    return page(request, "gates.html", gates=boards)


@get("/board/{code:str}", include_in_schema=False)
async def board_page(
    request: Request[Any, Any, Any],
    code: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    platform: NamedDependency[Platform],
) -> Template:
    """A gate's live board: the phone's layout in the page's language, or with
    ``?layout=wall`` the yard's wall in Vietnamese and Chinese (services/web/wall.py); a
    422 page for any other layout, a 404 page for a gate that does not exist."""
    layout = board_layout(request.query_params.get("layout"), translator(request))
    gate = await gate_by_code(uow, code)
    # Where the page opens its live board: the boards' broadcast server when it runs (its
    # public URL, or this host at its port), else this server's own websocket endpoint.
    live_url = platform.settings.boards_url or ""
    live_port = platform.boards_port if not live_url and platform.boards_port else ""
    return page(
        request,
        "board.html",
        gate=gate,
        wall=layout.wall,
        # The wall speaks its own languages whatever the visitor's cookie says.
        t=layout.t,
        lang=layout.t.language,
        second=layout.second,
        i18n=layout.words(),
        clock=clock(utc_now()),
        live_url=live_url,
        live_port=live_port,
    )


# The platform's icon (drawn by scripts/draw-favicon), read once: every page view's browser
# asks for /favicon.ico, and a 404 there filled the logs.
FAVICON = (Path(__file__).resolve().parents[2] / "frontend" / "static" / "favicon.ico").read_bytes()
ICON_MAX_AGE = 86400  # a day: it changes with a release, if ever


@get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response[bytes]:
    """The icon, cacheable by anyone for a day."""
    return Response(
        FAVICON,
        media_type="image/x-icon",
        headers={"cache-control": f"public, max-age={ICON_MAX_AGE}"},
    )


@post("/language", include_in_schema=False)
async def choose_language(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[dict[str, str]],
) -> Response[None]:
    language = data.get("language", "")
    response = Redirect(path=safe_next(data.get("next"), "/"), status_code=303)
    if language in LANGUAGES:
        # Read by the pages' server only; a script has no business with it either.
        response.set_cookie(browser_cookie(request, LANG_COOKIE, language, max_age=365 * 86400))
    return response


HOME = "/home"


def area_of(target: str) -> str:
    """The area a sign-in leads to, named on the sign-in page (an i18n key)."""
    if target.startswith("/console"):
        return "console"
    if target.startswith("/statistics"):
        return "statistics"
    if target.startswith("/yards"):
        return "yard_console"
    return "portal"


def home_of(principal: Principal | None) -> str:
    """Where a person lands: officers on the console, a yard enterprise's staff on their
    yards' console, a carrier's users on the portal; nobody signed in on the sign-in page."""
    if isinstance(principal, Officer):
        return "/console"
    if isinstance(principal, EnterpriseUser):
        return "/yards" if principal.enterprise_kind is EnterpriseKind.YARD else "/portal"
    return "/sign-in"


@get(HOME, include_in_schema=False)
async def home(request: Request[Any, Any, Any], platform: NamedDependency[Platform]) -> Redirect:
    """Each person to their own pages (the sign-in's default destination)."""
    return Redirect(path=home_of(await browser_principal(request, platform)), status_code=303)


@get("/sign-in", include_in_schema=False)
async def sign_in_page(request: Request[Any, Any, Any]) -> Template:
    target = safe_next(request.query_params.get("next"), HOME)
    return page(request, "sign_in.html", next=target, area=area_of(target))


@post("/sign-in", include_in_schema=False)
async def sign_in(
    request: Request[Any, Any, Any],
    uow: NamedDependency[UnitOfWork],
    platform: NamedDependency[Platform],
    data: URLEncodedBody[dict[str, str]],
) -> Response[Any]:
    """The same limits as the API's sign-in: past them the form comes back with how long to
    wait (429, Retry-After), not a bare error page."""
    lifetime = timedelta(hours=platform.settings.session_hours)
    try:
        _, token = await throttled_sign_in(
            uow,
            platform,
            client_address(request),
            data.get("email", ""),
            data.get("password", ""),
            lifetime,
        )
    except DomainError as error:
        t = translator(request)
        target = safe_next(data.get("next"), HOME)
        area = area_of(target)
        if isinstance(error, TooManyRequests):
            wait = str(error.retry_after)
            answer = page(
                request,
                "sign_in.html",
                next=target,
                area=area,
                error=t("too_many_sign_ins").format(seconds=wait),
                status_code=429,
            )
            answer.headers["Retry-After"] = wait
            return answer
        return page(
            request, "sign_in.html", next=target, area=area, error=t("wrong_login"), status_code=401
        )
    response: Response[Any] = Redirect(path=safe_next(data.get("next"), HOME), status_code=303)
    response.set_cookie(session_cookie(request, token, lifetime))
    return response


@post("/sign-out", include_in_schema=False)
async def sign_out(
    request: Request[Any, Any, Any],
    uow: NamedDependency[UnitOfWork],
    platform: NamedDependency[Platform],
) -> Response[None]:
    """Ends the session on the server, not just in the browser."""
    token = session_token(request)
    if token is not None:
        await accounts.sign_out(uow, token)
    response = Redirect(path="/", status_code=303)
    forget_session(request, response)
    return response


class SignInRequired(Exception):
    """The page needs someone signed in (of another kind than who is, if anyone)."""

    def __init__(self, area: str) -> None:
        super().__init__(area)
        self.area = area


def to_sign_in(request: Request[Any, Any, Any], error: SignInRequired) -> Response[Any]:
    """Every page that needs a session sends the browser to sign in, then back: to the very
    page asked for, its query too (a gate's statistics for a chosen week), when it was a
    page to read; to the area's first page after a form's post, which cannot be repeated
    by a redirect."""
    target = error.area
    if request.method in ("GET", "HEAD"):
        query = request.url.query
        target = safe_next(f"{request.url.path}?{query}" if query else request.url.path, target)
    # Quoted whole but its slashes, so that its own query stays inside ``next``.
    return Redirect(path=f"/sign-in?next={quote(target, safe='/')}", status_code=303)


SignedIn = TypeVar("SignedIn", EnterpriseUser, Officer)


async def require_browser(
    request: Request[Any, Any, Any], platform: Platform, kind: type[SignedIn], area: str
) -> SignedIn:
    """The browser's signed-in principal when it is a ``kind`` (an enterprise's user for the
    portal, an officer for the console); SignInRequired otherwise, also for a session of the
    other kind: that person signs in to this area as someone else. What the principal may
    do there is the rule book's to say (gate/accounts/permissions.py)."""
    principal = await browser_principal(request, platform)
    if not isinstance(principal, kind):
        raise SignInRequired(area)
    return principal

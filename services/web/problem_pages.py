"""Refusals as pages: one mechanism for every page and for an address that is no page at all
(issue 17: a browser opening ``/transparency/nope``, ``/board/nope``, ``/nope`` or a
transparency page with ``?direction=north`` got raw English problem JSON).

The problem is decided once, as the API decides it (``services/common/problems.py``: its
status, its ``type``, the refused ``field``); a client that should get a page gets that
problem drawn as ``problem.html`` in the page's language, with the same status and headers,
its title and hint chosen by the problem's code (and the refused field) from the catalogue
(``frontend/i18n``), and a way back. The problem's ``detail`` is the developers' English and
is never shown on a page: a page speaks only its own language.

**Who gets a page.** A client whose Accept names ``text/html`` (a browser); any other client
(a script, an API client, the tests' default ``*/*``) keeps the problem details, as it did.
Areas made of pages only (``Area.every_client``: the statistics) answer a page to every
client but one asking for JSON and not HTML. An address that matched no route gets a page
only outside the API's and websockets' prefixes (``/api/``, ``/ws/``): those are never pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.types import ExceptionHandlersMap

from gate.domain.errors import DomainError
from services.common.problems import (
    TYPE_BASE,
    on_domain_error,
    on_http_error,
    on_unexpected_error,
)
from services.web.i18n import DEFAULT, Translator, messages
from services.web.page_words import problem_key
from services.web.render import page, translator


@dataclass(frozen=True, slots=True)
class Area:
    """Where a refused page leads back to, and the words of its own: ``words`` prefixes the
    catalogue keys tried before the generic ones (``stats_`` finds ``stats_wrong_span`` and
    ``stats_not_found_hint``). ``refused_back``: where a 403 leads instead (the person's own
    pages), when not ``back``."""

    prefix: str
    back: str
    back_words: str
    words: str = ""
    every_client: bool = False
    refused_back: tuple[str, str] | None = None


STATISTICS = Area("/statistics", "/statistics", "stats_back", "stats_", every_client=True)
TRANSPARENCY = Area(
    "/transparency",
    "/transparency",
    "back_to_transparency",
    refused_back=("/home", "your_pages"),
)
# Every other page (the gates, the boards, the portal, the console) and addresses that are
# no page: back to the gates, a refusal to the person's own pages.
PAGES = Area("/", "/", "back_to_gates", refused_back=("/home", "your_pages"))
AREAS = (STATISTICS, TRANSPARENCY)

# A title per status (catalogue keys), for a code without words of its own; any other
# status: "problem_title".
TITLES = {
    400: "invalid_title",
    403: "forbidden_title",
    404: "not_found",
    413: "invalid_title",
    415: "invalid_title",
    422: "invalid_title",
    500: "problem_title",
    503: "unavailable_title",
}
# Prefixes whose addresses are never pages, found or not.
NEVER_PAGES = ("/api/", "/ws/")


def area_of(path: str) -> Area:
    """The area a path belongs to (``PAGES`` when none of ``AREAS``)."""
    for area in AREAS:
        if path == area.prefix or path.startswith(area.prefix + "/"):
            return area
    return PAGES


def wants_page(request: Request[Any, Any, Any], area: Area) -> bool:
    """Whether the client gets a page (the module's docstring): its Accept names HTML, or
    the area is pages only and the client did not ask for JSON alone."""
    accept = request.headers.get("accept", "")
    if "text/html" in accept:
        return True
    return area.every_client and "json" not in accept


def _known(key: str) -> bool:
    # Vietnamese is every key's first catalogue (tests hold the others to it).
    return key in messages(DEFAULT)


def _first(keys: list[str], default: str) -> str:
    return next((key for key in keys if _known(key)), default)


def words(t: Translator, area: Area, code: str, status: int, field: str | None) -> tuple[str, str]:
    """The page's title and hint for a problem, in ``t``'s language: the title by the code
    (``problem_{code}``, the catalogue every problem type has words in), else by status;
    the hint by the refused field's rule (``{words}wrong_{field}``, ``wrong_{field}``),
    else by the code (``{words}{code}_hint``, ``{code}_hint``), else ``problem_hint``."""
    name = code.replace("-", "_")
    hints = [f"{area.words}wrong_{field}", f"wrong_{field}"] if field else []
    hints += [f"{area.words}{name}_hint", f"{name}_hint"]
    title = _first([problem_key(code)], TITLES.get(status, "problem_title"))
    return t(title), t(_first(hints, "problem_hint"))


def _field(problem: dict[str, Any]) -> str | None:
    """The refused field a problem names (``field``, or its first ``errors[].key``)."""
    if isinstance(problem.get("field"), str):
        return str(problem["field"])
    for error in problem.get("errors") or []:
        if isinstance(error, dict) and isinstance(error.get("key"), str):
            return str(error["key"])
    return None


def as_page(request: Request[Any, Any, Any], answer: Response[bytes], area: Area) -> Response[Any]:
    """The problem ``answer`` (as ``services/common/problems.py`` wrote it) drawn as a page
    of ``area``: the same status and headers (a Retry-After, an Allow), the page's words."""
    problem = msgspec.json.decode(answer.content)
    code = str(problem.get("type", "")).removeprefix(TYPE_BASE)
    status = answer.status_code or 500  # always set: problem_response names it
    t = translator(request)
    title, hint = words(t, area, code, status, _field(problem))
    back, back_words = area.back, area.back_words
    if status == 403 and area.refused_back is not None:
        back, back_words = area.refused_back
    shown = page(
        request,
        "problem.html",
        status_code=status,
        title=title,
        hint=hint,
        status=status,
        back=back,
        back_words=t(back_words),
    )
    for name, value in answer.headers.items():
        if name.lower() != "content-type":
            shown.headers[name] = value
    return shown


def _answer(request: Request[Any, Any, Any], error: Exception) -> Response[bytes]:
    if isinstance(error, DomainError):
        return on_domain_error(request, error)
    if isinstance(error, HTTPException):
        return on_http_error(request, error)
    # A lost database (503 with its Retry-After), a transient conflict, anything unexpected
    # (500, logged there): decided and logged as for the API, drawn as a page for a browser.
    return on_unexpected_error(request, error)


def problem_or_page(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """A page's refusal or failure (a DomainError, an HTTPException, or any other error: a
    lost database is a 503) raised on a page's route: the page for a client that gets one
    (``wants_page``), else the problem details."""
    answer = _answer(request, error)
    area = area_of(request.url.path)
    return as_page(request, answer, area) if wants_page(request, area) else answer


def unmatched_or_problem(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """The app's own HTTPException handler while the pages are mounted: an address no route
    matched (Litestar's 404, or its 405 for a method no route takes) is a page for a browser
    outside ``NEVER_PAGES``; everything else is answered as before."""
    answer = _answer(request, error)
    path = request.url.path
    matched = request.scope.get("route_handler") is not None
    if matched or path.startswith(NEVER_PAGES):
        return answer
    area = area_of(path)
    return as_page(request, answer, area) if wants_page(request, area) else answer


# On the pages' router: its routes' refusals.
PAGE_HANDLERS: ExceptionHandlersMap = {
    DomainError: problem_or_page,
    HTTPException: problem_or_page,
    Exception: problem_or_page,
}
# On the app, when the pages are mounted (services/app.py): addresses that are no route.
APP_HANDLERS: ExceptionHandlersMap = {HTTPException: unmatched_or_problem}

"""The statistics pages' refusals as pages: a gate the officer does not serve (403), a gate
or table that is not there (404), a wrong span, day, direction or agency in the query (422)
come back as an HTML page in the page's language with that status, a link back to the
statistics, and the field's rule in words (issue 17: a leader met raw problem JSON). The
public transparency page's refusals are the same page, its link back to the public figures
(``transparency_problem``: a visitor sent to /statistics would meet a sign-in).

The statistics routes are pages only (the same figures are open data under
/api/v1/statistics/), so a page is the answer unless the client asks for JSON and not HTML;
then the problem details as the API writes them (services/common/problems.py)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from gate.domain.errors import DomainError, Forbidden, NotFound
from services.common.problems import on_domain_error
from services.web.render import page, translator

# The query's fields the page explains in each language (frontend/i18n: stats_wrong_<field>).
EXPLAINED = ("span", "day", "direction", "agency")


def wants_json(request: Request[Any, Any, Any]) -> bool:
    """Whether the client asked for JSON and not for HTML (a browser always asks for HTML,
    a plain client for anything: both get the page)."""
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


def statistics_problem(request: Request[Any, Any, Any], error: DomainError) -> Response[Any]:
    """A refusal of a statistics route: the page statistics/problem.html with the problem's
    status (403, 404, 422 or the catalogue's own), or problem details for a JSON client."""
    return _problem_page(request, error, "/statistics", "stats_back")


def transparency_problem(request: Request[Any, Any, Any], error: DomainError) -> Response[Any]:
    """A refusal of the public transparency page (404 unknown gate, 422 wrong direction):
    the same page, its link back to /transparency; problem details for a JSON client."""
    return _problem_page(request, error, "/transparency", "transparency_back")


def _problem_page(
    request: Request[Any, Any, Any], error: DomainError, back: str, back_words: str
) -> Response[Any]:
    answer = on_domain_error(request, error)
    if wants_json(request):
        return answer
    t = translator(request)
    field = error.extensions.get("field")
    if isinstance(error, Forbidden):
        title, hint = t("forbidden_title"), t("stats_forbidden_hint")
    elif isinstance(error, NotFound):
        title, hint = t("not_found"), t("stats_not_found_hint")
    else:
        title = t("stats_wrong_title")
        hint = t(f"stats_wrong_{field}") if field in EXPLAINED else error.detail
    return page(
        request,
        "statistics/problem.html",
        status_code=answer.status_code or 422,
        title=title,
        hint=hint,
        detail=error.detail,
        back=back,
        back_words=t(back_words),
    )

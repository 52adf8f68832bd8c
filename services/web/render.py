"""Rendering a page: the template gets the language, ``t()``, the person signed in, a message
and its forms' CSRF token, besides what the handler gives it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action, allowed
from gate.accounts.principal import Principal
from services.common.session import read_cookie
from services.web.csrf import token_for_page
from services.web.i18n import LANG_COOKIE, Translator, pick_language


def translator(request: Request[Any, Any, Any]) -> Translator:
    return Translator(
        pick_language(read_cookie(request, LANG_COOKIE), request.headers.get("accept-language"))
    )


def page(
    request: Request[Any, Any, Any],
    template: str,
    principal: Principal | None = None,
    status_code: int = 200,
    **context: Any,
) -> Template:
    t = translator(request)
    _, presession = token_for_page(request)
    return Template(
        template_name=template,
        context={
            "t": t,
            "lang": t.language,
            "principal": principal,
            # What the signed-in person may do (for their own enterprise): the rule book
            # decides which links and forms a page shows, as it decides the routes behind.
            "may": lambda action: principal is not None and allowed(principal, Action(action)),
            "request_path": request.url.path,
            "message": request.query_params.get("message"),
            "error": request.query_params.get("error"),
            **context,
        },
        status_code=status_code,
        cookies=[presession] if presession else None,
    )


def back_to(path: str, message: str | None = None, error: str | None = None) -> Redirect:
    """Post, then redirect, then get: a reload never sends a form twice. The message is shown
    on one line, and folded to one here: a query value holds no line break (gate/domain/text.py),
    and a notice's text may."""
    for key, value in (("message", message), ("error", error)):
        if value:
            line = " ".join(value.split())
            path = f"{path}{'&' if '?' in path else '?'}{key}={quote(line)}"
    return Redirect(path=path, status_code=303)


def safe_next(value: str | None, default: str) -> str:
    """``value`` when it is a path of this site (with its query), else ``default``: a
    sign-in must not redirect to another site. Refused besides another scheme or host
    (``https://…``, ``//evil.example``): a backslash (browsers read ``/\\evil.example`` as
    ``//evil.example``) and any space or control character (browsers drop a tab or a line
    break from a URL, so ``/<tab>/evil.example`` is ``//evil.example`` too)."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(c.isspace() or not c.isprintable() for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value

"""Rendering a page: the template gets the language, ``t()``, the person signed in, a message
and its forms' CSRF token, besides what the handler gives it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from litestar import Request
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action, allowed
from gate.accounts.principal import Principal
from gate.domain.errors import DomainError
from services.common.session import read_cookie
from services.web.csrf import token_for_page
from services.web.i18n import DEFAULT, LANG_COOKIE, Translator, messages, pick_language
from services.web.page_words import Note, error_query, note_query, refusal_said, said


def translator(request: Request[Any, Any, Any]) -> Translator:
    return Translator(
        pick_language(read_cookie(request, LANG_COOKIE), request.headers.get("accept-language"))
    )


@dataclass(frozen=True, slots=True)
class Typed:
    """What was typed in the form posted to the path ``action``, for a page drawn again after
    refusing it (issue 16): ``typed(action, name)`` in a template is the field's typed value
    for that form, "" for any other form (a page holds several) or none posted."""

    action: str = ""
    values: Mapping[str, str] = field(default_factory=dict)

    def __call__(self, action: str, name: str) -> str:
        return self.values.get(name, "") if action == self.action else ""


def page(
    request: Request[Any, Any, Any],
    template: str,
    principal: Principal | None = None,
    status_code: int = 200,
    **context: Any,
) -> Template:
    t = translator(request)
    _, presession = token_for_page(request)
    # A form's answer, carried by the redirect as codes, said in this page's language.
    message, error = said(t, _known, request.query_params)
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
            "message": message,
            "error": error,
            "typed": Typed(),
            **context,
        },
        status_code=status_code,
        cookies=[presession] if presession else None,
    )


def _known(key: str) -> bool:
    # Vietnamese is every key's first catalogue (tests hold the others to it).
    return key in messages(DEFAULT)


def refused(request: Request[Any, Any, Any], error: DomainError) -> tuple[str, int]:
    """A refused form's reason in the page's language and its status, for a page drawn
    again with what was typed instead of redirected back (``page_words.refusal_said``)."""
    return refusal_said(translator(request), _known, error)


def back_to(
    path: str,
    message: str | Note | None = None,
    error: str | DomainError | None = None,
) -> Redirect:
    """Post, then redirect, then get: a reload never sends a form twice. A DomainError and a
    Note travel as codes the page says in its language (``services/web/page_words.py``); a
    text as it is, on one line, folded to one here: a query value holds no line break
    (gate/domain/text.py), and a notice's text may."""
    items: list[tuple[str, str]] = []
    if isinstance(message, Note):
        items += note_query(message)
    elif message:
        items.append(("message", " ".join(message.split())))
    if isinstance(error, DomainError):
        items += error_query(error)
    elif error:
        items.append(("error", " ".join(error.split())))
    if items:
        # quote, not urlencode's default quote_plus: a space is %20, as before.
        path = f"{path}{'&' if '?' in path else '?'}{urlencode(items, quote_via=quote)}"
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

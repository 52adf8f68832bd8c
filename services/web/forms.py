"""The pages' forms decoded into the API's own input types, so a form is held to exactly the
constraints of the API call it stands for (lengths, patterns, ranges, characters, times):
one definition in ``services/api/*/schemas.py``, not a copy here. A form the API would refuse
sends the user back to it with the reason (post, redirect, get), or, for a page that says
how (``Again``), draws the page again with what was typed and the reason; nothing is stored."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, overload

import msgspec
from litestar import Request
from litestar.response import Redirect, Template

from gate.domain.errors import Conflict, DomainError, ValidationFailed
from gate.domain.time import LOCAL_TZ, as_local
from gate.store.unit_of_work import UnitOfWork
from services.common.schemas import Input
from services.web.page_words import Note
from services.web.render import back_to, refused

T = TypeVar("T", bound=Input)


def decode_form(form: Mapping[str, str], into: type[T], **fields: Any) -> T:
    """The form's fields named as ``into``'s (its wire names) decoded into ``into``, with
    ``fields`` (what a page writes otherwise: a checkbox, a nested part, a local time) in
    their place. An empty field counts as not sent: a browser sends an empty input as ``""``,
    where an API client leaves the field out. Text is converted as a form must be (``"12.5"``
    to a number, ``"true"`` to a boolean); everything else is the API's rule.

    Raises ValidationFailed with the reason, naming the field: msgspec's message for a
    constraint (``Expected `str` of length <= 300 - at `$.reason```), or the input type's own
    check (a control character, a time outside the accepted window). The refused field is
    its ``field``, the kind of constraint its ``why`` (``too-long``) and the limit its
    ``why_value`` (300), for the page's words (``services/web/page_words.py``)."""
    values: dict[str, Any] = {
        name: form[name] for name in into.__struct_encode_fields__ if form.get(name)
    }
    values.update((name, value) for name, value in fields.items() if value is not None)
    try:
        return msgspec.convert(values, into, strict=False)
    except msgspec.ValidationError as error:
        text = str(error)
        at = _AT.search(text) or _MISSING.search(text)
        why = next((why for pattern, why in _WHY if pattern.search(text)), None)
        limit = _LIMIT.search(text)
        value = int(limit.group(1)) if limit and why else None
        if at is None:
            raise ValidationFailed(text, why=why, why_value=value) from None
        raise ValidationFailed(text, why=why, why_value=value, field=at.group(1)) from None


# msgspec's messages (its own, stable since 0.x): where, and what kind of constraint.
_AT = re.compile(r" - at `\$\.([A-Za-z_][A-Za-z0-9_]*)")
_LIMIT = re.compile(r"[<>]= (\d+)(?![\d.])")
_MISSING = re.compile(r"^Object missing required field `([A-Za-z_][A-Za-z0-9_]*)`")
_WHY = (
    (re.compile(r"^Object missing required field"), "required"),
    (re.compile(r"of length <="), "too-long"),
    (re.compile(r"of length >="), "too-short"),
    (re.compile(r"matching regex"), "wrong-form"),
    (re.compile(r"^Expected `(int|float)` <="), "too-big"),
    (re.compile(r"^Expected `(int|float)` >="), "too-small"),
    (re.compile(r"^Expected `(int|float)` [<>]"), "out-of-range"),
    (re.compile(r"^Expected `(int|float|decimal)`"), "not-a-number"),
    (re.compile(r"^Invalid enum value"), "not-a-choice"),
    (re.compile(r"^Expected `datetime`|^Invalid RFC3339"), "not-a-time"),
)


@dataclass(frozen=True, slots=True)
class Refused:
    """A use case's answer the page shows as its error though nothing was raised, so what the
    use case wrote stays (a check-in by hand that is refused is recorded as one): ``detail``
    for the logs, ``why`` for the page's words (``services/web/page_words.py``); or ``said``,
    words the page built already in its language (naming what the codes cannot: the lane
    and the truck holding it), shown as they are."""

    detail: str
    why: str | None = None
    said: str | None = None
    status: int = 409


@dataclass(frozen=True, slots=True)
class Again:
    """How a refused form's page is drawn again instead of redirected back (issue 16: what
    was typed is kept, and no typed text travels in an address): ``draw(words, status)``
    draws the page as its GET would, with the refusal's ``words`` (in ``request``'s
    language) and the form's typed values, answered with ``status`` (422, 409)."""

    request: Request[Any, Any, Any]
    draw: Callable[[str, int], Awaitable[Template]]


@overload
async def run_form(
    uow: UnitOfWork,
    here: str,
    act: Callable[[], Awaitable[str | Note | Refused | None]],
    *,
    savepoint: bool = True,
    again: None = None,
) -> Redirect: ...


@overload
async def run_form(
    uow: UnitOfWork,
    here: str,
    act: Callable[[], Awaitable[str | Note | Refused | None]],
    *,
    savepoint: bool = True,
    again: Again,
) -> Redirect | Template: ...


async def run_form(
    uow: UnitOfWork,
    here: str,
    act: Callable[[], Awaitable[str | Note | Refused | None]],
    *,
    savepoint: bool = True,
    again: Again | None = None,
) -> Redirect | Template:
    """Run a use case from a form and come back to the page at ``here`` (post, redirect, get).

    ``act`` decodes the form and calls the use case, in a savepoint: a DomainError it raises
    (the form refused by decode_form, a rule of the use case) undoes what it wrote and comes
    back as the page's ``error``, said in the page's language. Otherwise its answer comes
    back: a Note (what was done, in words), a text (a notice's), None for none, or Refused
    with the error to show.
    Who may post, and the page's own record (its gate, its yard), are found before: a missing
    one or a refusal of the rule book is a 4xx answer, not a message on a page. Without
    ``savepoint``, ``act`` writes nothing in ``uow`` (it has the check-in pipeline's own
    transaction do it, services/checkins/by_hand.py). With ``again``, a refusal (an error
    raised, or Refused) is answered with the page drawn again, not a redirect: its status
    the problem's (422 a wrong value, 409 a conflict; Refused's own ``status``)."""
    try:
        if savepoint:
            async with uow.savepoint():
                answer = await act()
        else:
            answer = await act()
    except DomainError as error:
        if again is not None:
            return await again.draw(*refused(again.request, error))
        return back_to(here, error=error)
    if isinstance(answer, Refused):
        if again is not None:
            conflict = Conflict(answer.detail, why=answer.why)
            words = answer.said or refused(again.request, conflict)[0]
            return await again.draw(words, answer.status)
        return back_to(here, error=answer.said or Conflict(answer.detail, why=answer.why))
    return back_to(here, message=answer)


def local_time(form: Mapping[str, str], name: str) -> datetime | None:
    """The form's ``datetime-local`` field ``name`` (``2026-12-01T10:00``) as an aware instant
    on the gates' clock (one with its own offset is kept as given); None when left empty.
    ValidationFailed (why ``not-a-time``, naming the field) when it is no time. The one
    reader of a time typed in a page's form (the booking's spoil-by and latest acceptable
    hour, the partner's announcements)."""
    text = (form.get(name) or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"{name} is no time", why="not-a-time", field=name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


def local_value(moment: datetime | None) -> str:
    """An instant as a ``datetime-local`` input shows it: on the gates' clock, to the minute;
    "" for none."""
    return as_local(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""

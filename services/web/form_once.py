"""A page's form sent twice is acted on once: the form carries a key of its own, made when the
page is drawn, and its post goes through the API's Idempotency-Key machinery
(services/common/idempotency.py) under that key. A double click, a reload of the answer or a
retry after a lost connection sends the same key with the same fields, and gets the first
post's answer: the booking it made, or the refusal it met, never a second attempt (which
would be refused: "the truck already has a booking").

The key is the enterprise's, as an API client's is, prefixed so that no ERP's key can ever be
the same string. What makes two posts "the same" is the API's fingerprint over the form's
fields but the CSRF token and the key itself (a form drawn again in a new session carries a
new token and a new key anyway). The same key with other fields (a page kept open in two
tabs whose form was changed between the posts) is refused as the API refuses it:
``idempotency-key-reused``, which a page words as "this form was already sent"."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request

from gate.domain.errors import DomainError
from gate.store.unit_of_work import UnitOfWork
from services.common.idempotency import (
    REPLAY_HEADER,
    answer_idempotently,
    fingerprint,
    key_length_accepted,
)
from services.common.problems import domain_error_answer
from services.platform import Platform
from services.web.csrf import FIELD as CSRF_FIELD

FORM_KEY = "form_key"
# An API client's key never starts so: it is one the pages made.
_PREFIX = "page:"


def new_form_key() -> str:
    """A fresh key for a form being drawn (128 random bits, URL-safe)."""
    return secrets.token_urlsafe(16)


@dataclass(frozen=True, slots=True)
class Answer:
    """What a form's post came to: a status (below 400 when acted on) and its body (what
    ``produce`` answered, or the refusal's problem details); ``replayed`` when it is the
    answer to an earlier post of the same form."""

    status: int
    body: dict[str, Any]
    replayed: bool = False

    @property
    def refused(self) -> bool:
        return self.status >= 400


async def post_once(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    platform: Platform,
    owner: str,
    form: Mapping[str, str],
    produce: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
) -> Answer:
    """``produce`` (a use case writing in ``uow``; a status and a JSON-ready body) run once
    per ``owner``'s form key: the first post's answer for every later post of the same form.
    A post without a key (a client that is no page of ours) is acted on each time. A
    DomainError of ``produce`` is the answer's refusal, with what it wrote undone; a key of
    another length than a key may have is refused (422), as the API refuses it."""
    key = form.get(FORM_KEY) or None
    sent = {name: value for name, value in form.items() if name not in (FORM_KEY, CSRF_FIELD)}
    if key is not None and not key_length_accepted(_PREFIX + key):
        return Answer(422, {"type": "/problems/validation", "field": FORM_KEY})
    try:
        if key is None:
            async with uow.savepoint():
                status, body = await produce()
            return Answer(status, body)
        answer = await answer_idempotently(
            uow,
            owner,
            _PREFIX + key,
            fingerprint(request, sent),
            produce,
            retention=platform.settings.idempotency_key_retention,
        )
    except DomainError as error:
        status, encoded = domain_error_answer(error)
        return Answer(status, msgspec.json.decode(encoded))
    decoded = msgspec.json.decode(answer.content)
    replayed = answer.headers.get(REPLAY_HEADER) == "true"
    # stored_response always names the status; 200 only satisfies the type.
    status = answer.status_code or 200
    return Answer(status, decoded if isinstance(decoded, dict) else {}, replayed)

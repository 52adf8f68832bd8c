"""The webhooks page's words: what the platform keeps in English (a refused URL's reason, why
an endpoint was disabled, an attempt's error) said in the page's language. A refusal is said
by its problem and ``why`` codes (services/web/page_words.py); an attempt's error and a
reason for disabling, kept as text by gate/webhooks/ and gate/outbox/dispatcher.py, are
matched here, and one not known here is shown as kept, never hidden
(tests/unit/test_webhook_words.py holds every reason those modules give to a translation)."""

from __future__ import annotations

import re
from collections.abc import Callable

from gate.domain.errors import DomainError
from services.web.i18n import DEFAULT, messages
from services.web.page_words import code_of, refusal_words

Words = Callable[[str], str]

# An attempt's error (gate/webhooks/sender.py, gate/outbox/dispatcher.py).
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^answered \d+$"), "webhook_error_answered"),
    (re.compile(r"^410 Gone"), "webhook_error_gone"),
    (re.compile(r"^no answer: "), "webhook_error_no_answer"),
    (re.compile(r"^the host did not resolve"), "webhook_error_no_host"),
    (re.compile(r"^refused: "), "webhook_error_refused"),
    (re.compile(r"^the endpoint is disabled or deleted"), "webhook_error_endpoint_off"),
    (re.compile(r"^internal error: "), "webhook_error_internal"),
)

_FAILED = re.compile(r"^a delivery failed (\d+) times; last: (.*)$", re.S)
BY_THE_ENTERPRISE = "disabled by the enterprise"  # gate/webhooks/endpoints.py


def refusal(error: DomainError, t: Words) -> str:
    """Why a form was refused, in the page's language: the problem's words by its code and
    the refusal's ``why`` code (gate/domain/webhooks.py, gate/webhooks/ give one to each of
    their reasons), as every page says a refusal (services/web/page_words.py), never the
    English detail."""
    field = error.extensions.get("field")
    value = "" if error.why_value is None else str(error.why_value)
    field = field if isinstance(field, str) else None
    return refusal_words(t, _known, code_of(error), field, error.why, value)


def _known(key: str) -> bool:
    # Vietnamese is every key's first catalogue (tests hold the others to it).
    return key in messages(DEFAULT)


def attempt_error(error: str | None, t: Words) -> str:
    """An attempt's error in the page's language; "" for none."""
    if not error:
        return ""
    for pattern, key in _ERRORS:
        if pattern.search(error):
            return t(key)
    return error


def disabled_by_platform(reason: str | None) -> bool:
    """Whether the platform disabled the endpoint (it kept failing, or answered 410), not
    its enterprise: the page then says so prominently."""
    return reason is not None and reason != BY_THE_ENTERPRISE


def disabled_reason(reason: str | None, t: Words) -> str:
    """Why an endpoint is disabled, in the page's language: by the enterprise; after N failed
    attempts and the last one's error; the receiver's 410 Gone."""
    if reason is None:
        return ""
    if reason == BY_THE_ENTERPRISE:
        return t("webhook_disabled_by_you")
    if reason.startswith("the receiver answered 410"):
        return t("webhook_disabled_gone")
    failed = _FAILED.match(reason)
    if failed is not None:
        attempts, last = failed.groups()
        return t("webhook_disabled_failing").format(attempts=attempts, last=attempt_error(last, t))
    return reason

"""The webhooks page says in the page's language what the platform keeps in English: every
reason a URL is refused for, why an endpoint was disabled, an attempt's error; every event
type and delivery status has words in vi, zh and en."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gate.domain.errors import ValidationFailed
from gate.domain.outbox import WEBHOOK_EVENT_TYPES
from gate.domain.webhooks import endpoint_url
from gate.outbox.claims import CANCELLED, DELIVERED, FAILED, PENDING
from gate.webhooks.endpoints import event_types
from services.web.i18n import LANGUAGES, Translator, messages
from services.web.page_words import why_key
from services.web.webhook_words import attempt_error, disabled_reason, refusal
from services.web.webhooks import type_key

ROOT = Path(__file__).resolve().parents[2]

REFUSED_URLS = [
    "https://erp.example.vn/" + "a" * 2000,
    "ftp://erp.example.vn/hooks",
    "https://user:secret@erp.example.vn/hooks",
    "https://erp.example.vn:99999/hooks",
    "https://10.0.0.7/hooks",
    "http://erp.example.vn/hooks",
    "https://[fe80::1/hooks",  # brackets that hold no address
    "https://erp_example!/hooks",  # neither a DNS name nor an address
]


def _refusals() -> list[ValidationFailed]:
    found = []
    for url in REFUSED_URLS:
        with pytest.raises(ValidationFailed) as caught:
            endpoint_url(url, allow_private=False)
        found.append(caught.value)
    for types in ([], ["truck.teleported"]):
        with pytest.raises(ValidationFailed) as caught:
            event_types(types)
        found.append(caught.value)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reason_a_url_is_refused_for_is_said_in_each_language(language: str):
    t = Translator(language)
    said = [refusal(error, t) for error in _refusals()]
    assert not [s for s, error in zip(said, _refusals(), strict=True) if error.detail in s]
    # No two rules said alike, but the types' two and the host's two.
    assert len(set(said)) == len(said) - 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_refusal_carries_a_why_code_with_words_in_each_language(language: str):
    """The page says a refusal by its code, not by matching the English detail (which used
    to break silently whenever a detail was reworded)."""
    for error in _refusals():
        assert error.why is not None, error.detail
        assert why_key(error.why) in messages(language), error.why


def test_why_an_endpoint_was_disabled_is_said_in_the_pages_language():
    t = Translator("en")
    reason = "a delivery failed 8 times; last: answered 500"
    assert disabled_reason(reason, t) == (
        "a delivery failed 8 times; last: the receiver answered with an error"
    )
    assert disabled_reason(reason, Translator("vi")).startswith("một lần gửi thất bại 8 lần")
    assert disabled_reason("disabled by the enterprise", t) == "disabled by your enterprise"
    assert "410" in disabled_reason("the receiver answered 410 Gone", t)


def test_each_attempts_error_the_sender_gives_is_said_in_words():
    t = Translator("zh")
    for error in (
        "answered 503",
        "410 Gone: the receiver wants no more",
        "no answer: ConnectError",
        "the host did not resolve: gaierror",
        "refused: the host resolves to a private address",
        "the endpoint is disabled or deleted",
        "internal error: KeyError",
    ):
        said = attempt_error(error, t)
        assert said != error and not re.search(r"[A-Za-z]{3}", said), error
    assert attempt_error(None, t) == ""


def test_every_type_status_and_word_of_the_page_is_in_each_language():
    used: set[str] = {type_key(kind) for kind in WEBHOOK_EVENT_TYPES}
    used |= {f"delivery_{s}" for s in (PENDING, DELIVERED, FAILED, CANCELLED)}
    sources = [
        *(ROOT / "frontend/templates/portal").glob("webhook*.html"),
        ROOT / "services/web/webhooks.py",
        ROOT / "services/web/webhook_words.py",
    ]
    for source in sources:
        used |= set(re.findall(r"""["'](webhooks?_[a-z_]+)["']""", source.read_text()))
    used -= {"webhook_type_"}  # the prefix type_key adds to
    for language in LANGUAGES:
        missing = sorted(key for key in used if key not in messages(language))
        assert missing == [], language

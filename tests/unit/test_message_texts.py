"""The messages' words (gate/messages/texts.py): every message in every language, a driver's
within two SMS segments, a user's without the truck's plate."""

from __future__ import annotations

import re

import pytest

from gate.domain.messages import LANGUAGES, sms_segments
from gate.messages.texts import REASONS, TEXTS, direction_word, disabled_reason, render, vnd

# The longest seeded gate name in each language (gate/gates/seed.py), a plate, an order.
FIELDS = {
    "vi": "Cửa khẩu quốc tế Hữu Nghị",
    "zh": "Huu Nghi International Border Gate",
    "en": "Huu Nghi International Border Gate",
}
PLATE = "29C-123.45"


def fields_for(language: str) -> dict[str, str]:
    return {
        "gate": FIELDS[language],
        "direction": direction_word("export", language),
        "code": "BK7Q2M4X9P",
        "slot": "01/12 14:00",
        "previous_slot": "01/12 09:00",
        "order": "D7Q2M4X9P",
        "deadline": "14:30",
        "lane": "X2",
        "plate": PLATE,
        "endpoint": "https://erp.example.vn/hooks/gate",
        "endpoint_id": "0b9d6c1e-5f7a-4c2e-9a51-3f0e2b7d8c41",
        "reason": disabled_reason("the receiver answered 410 Gone", language),
        "spoil_by": "01/12 18:00",
        "forecast": "01/12 19:30",
        "invoice": "HN260000123",
        "amount": vnd(1_500_000, language),
        "refund": vnd(1_500_000, language),
    }


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_every_message_renders_in_every_language(kind: str, language: str) -> None:
    message = render(kind, language, fields_for(language))
    assert message.subject and message.text
    assert not re.search(r"[{}]", message.subject + message.text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [k for k in TEXTS if k.startswith("driver.")])
def test_a_drivers_message_fits_two_sms_segments(kind: str, language: str) -> None:
    assert sms_segments(render(kind, language, fields_for(language)).text) <= 2


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [k for k in TEXTS if not k.startswith("driver.")])
def test_a_users_message_never_names_the_plate(kind: str, language: str) -> None:
    message = render(kind, language, fields_for(language))
    assert PLATE not in message.subject + message.text


def test_the_languages_differ_and_an_unknown_one_falls_back_to_vietnamese() -> None:
    texts = {render("driver.dispatch", lang, fields_for(lang)).text for lang in LANGUAGES}
    assert len(texts) == 3
    vi = render("driver.dispatch", "vi", fields_for("vi"))
    assert render("driver.dispatch", "fr", fields_for("vi")) == vi


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("the receiver answered 410 Gone", "gone"),
        ("a delivery failed 8 times; last: answered 500", "failing"),
        ("a delivery failed 8 times; last: no answer: ConnectError", "failing"),
        ("a delivery failed 8 times; last: the host did not resolve: gaierror", "failing"),
    ],
)
def test_a_disabled_endpoints_managers_are_told_why_and_how_to_turn_it_on(
    reason: str, words: str, language: str
) -> None:
    fields = {**fields_for(language), "reason": disabled_reason(reason, language)}
    text = render("webhook.disabled", language, fields).text
    said = REASONS[language][words].split("{")[0]
    assert said in text and "again and again" not in text
    if words == "failing":
        assert "8" in text and "answered 500" not in text and "ConnectError" not in text
    # How to turn it on again: the portal's page, or the API's PATCH of this endpoint.
    assert "Webhook" in text and "PATCH /api/v1/webhooks/endpoints/" + fields["endpoint_id"] in text
    assert '"enabled": true' in text


def test_a_reason_the_platform_never_gives_is_shown_as_kept() -> None:
    assert disabled_reason("something new", "zh") == "something new"


def _runs_together(text: str) -> list[str]:
    """Each ``{field}`` of a text written against another field or a Latin letter or digit:
    rendered, the two values run into one ("Tan Thanh Border GateX1"). A field beside a
    Chinese character is separated by the change of script, as Chinese is written."""
    faults = []
    for field in re.finditer(r"\{(\w+)\}", text):
        before = text[field.start() - 1] if field.start() > 0 else " "
        after = text[field.end()] if field.end() < len(text) else " "
        for neighbour in (before, after):
            if neighbour in "{}" or (neighbour.isalnum() and ord(neighbour) < 0x2E80):
                faults.append(f"{field.group(0)} beside {neighbour!r}")
    return faults


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_every_field_is_set_apart_from_the_next(kind: str, language: str) -> None:
    subject, text = TEXTS[kind][language]
    assert _runs_together(subject) == [] and _runs_together(text) == []
    # Rendered: each field's value stands apart (the gate's name never runs into the lane).
    fields = fields_for(language)
    rendered = render(kind, language, fields).text
    for name in ("gate", "lane", "code", "plate", "order"):
        value = fields[name]
        for found in re.finditer(re.escape(value), rendered):
            after = rendered[found.end() : found.end() + 1]
            assert not (after.isalnum() and ord(after) < 0x2E80), (name, rendered)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_reasons_words_set_their_fields_apart(language: str) -> None:
    for words in REASONS[language].values():
        assert _runs_together(words) == []


@pytest.mark.parametrize(
    ("language", "written"),
    [("vi", "1.500.000\xa0₫"), ("en", "₫1,500,000"), ("zh", "₫1,500,000")],
)
def test_money_is_written_as_each_language_writes_it(language: str, written: str) -> None:
    assert vnd(1_500_000, language) == written
    assert vnd(None, language) == ""

"""The rules of an enterprise's accounts (gate/domain/accounts.py, gate/domain/tax_codes.py),
the one-time links' tokens (gate/accounts/links.py) and the account mails' words
(gate/messages/account_texts.py)."""

from __future__ import annotations

import re

import pytest

from gate.accounts.links import link_id_of, token_of
from gate.domain.accounts import LIFETIMES, EnterpriseStatus, LinkPurpose, decide
from gate.domain.errors import InvalidTransition, ValidationFailed
from gate.domain.messages import LANGUAGES
from gate.domain.tax_codes import normalise_tax_code, spellings
from gate.messages.account_texts import ACCOUNT_TEXTS, render_account_mail

LINK_ID = "0b9d6c1e-5f7a-4c2e-9a51-3f0e2b7d8c41"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0101234567", "0101234567"),
        (" 0101 234 567 ", "0101234567"),
        ("0101.234.567", "0101234567"),
        ("0101234567-001", "0101234567-001"),
        ("0101234567001", "0101234567-001"),
        ("0101234567 - 999", "0101234567-999"),
    ],
)
def test_a_tax_code_is_stored_in_one_spelling(typed: str, stored: str) -> None:
    assert normalise_tax_code(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["", "01012345", "010123456", "01012345678", "0101234567-01", "0101234567-000",
     "0000000000", "O101234567", "0101234567/001", "０１０１２３４５６７"],
)  # fmt: skip
def test_a_tax_code_of_another_shape_is_refused(typed: str) -> None:
    with pytest.raises(ValidationFailed):
        normalise_tax_code(typed)


def test_a_branch_is_found_under_both_of_its_spellings() -> None:
    assert spellings("0101234567-001") == ("0101234567-001", "0101234567001")
    assert spellings("0101234567") == ("0101234567",)


def test_a_decision_is_taken_once() -> None:
    assert decide(EnterpriseStatus.PENDING, True) is EnterpriseStatus.APPROVED
    assert decide(EnterpriseStatus.PENDING, False) is EnterpriseStatus.REJECTED
    for decided in (EnterpriseStatus.APPROVED, EnterpriseStatus.REJECTED):
        with pytest.raises(InvalidTransition):
            decide(decided, True)


def test_a_reset_lives_an_hour_and_an_invitation_a_week() -> None:
    assert LIFETIMES[LinkPurpose.RESET].total_seconds() == 3600
    assert LIFETIMES[LinkPurpose.INVITATION].days == 7


def test_a_links_token_names_it_only_under_the_key_that_made_it() -> None:
    token = token_of("key-one", LINK_ID)
    assert re.fullmatch(r"[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}", token)
    assert link_id_of("key-one", token) == LINK_ID
    assert link_id_of("key-two", token) is None
    assert link_id_of("key-one", token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert link_id_of("key-one", LINK_ID) is None
    assert link_id_of("key-one", token + "\x00") is None


FIELDS = {
    "enterprise": "Công ty TNHH Vận tải Lan Anh",
    "tax_code": "0108765432",
    "reason": "Mã số thuế không khớp",
    "link": "https://gate.example.vn/account/join/" + token_of("k", LINK_ID),
    "expires": "07/12/2026 14:00",
    "role": "clerk",
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", sorted(ACCOUNT_TEXTS))
def test_every_account_mail_renders_in_every_language(kind: str, language: str) -> None:
    mail = render_account_mail(kind, language, FIELDS)
    assert mail.subject and mail.text
    assert not re.search(r"[{}]", mail.subject + mail.text)
    assert "Lan Anh" in mail.subject + mail.text
    if "{link}" in ACCOUNT_TEXTS[kind][language][1]:
        # The link stands apart, so that a mail reader's linking stops where it ends.
        assert re.search(re.escape(FIELDS["link"]) + r"\s", mail.text)


def test_an_invitees_role_is_named_in_the_mails_language() -> None:
    assert "nhân viên" in render_account_mail("account.invited", "vi", FIELDS).text
    assert "职员" in render_account_mail("account.invited", "zh", FIELDS).text
    assert "clerk" in render_account_mail("account.invited", "en", FIELDS).text

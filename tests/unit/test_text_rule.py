"""The one rule for the characters of text from outside (gate/domain/text.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.errors import ValidationFailed
from gate.domain.text import accepted_text, refused_character

CONTROLS = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]]
LINE_BREAKS = ["\t", "\n", "\r"]


@pytest.mark.parametrize("control", CONTROLS)
def test_no_control_character_is_accepted_in_one_line_text(control: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        accepted_text(f"12C{control}123.45", "plate")
    assert refused.value.extensions == {"field": "plate"}
    assert f"U+{ord(control):04X}" in refused.value.detail or control == "\x00"


@pytest.mark.parametrize("control", [c for c in CONTROLS if c not in LINE_BREAKS])
def test_free_text_refuses_every_control_but_tab_and_line_breaks(control: str) -> None:
    with pytest.raises(ValidationFailed):
        accepted_text(f"held{control}at the gate", "reason", free_text=True)


def test_free_text_keeps_tabs_and_the_line_breaks_a_textarea_sends() -> None:
    text = "Giữ lại:\r\n\t- thiếu giấy kiểm dịch"
    assert accepted_text(text, "reason", free_text=True) == text


def test_nul_is_named_as_such() -> None:
    with pytest.raises(ValidationFailed, match="reason holds a NUL character"):
        accepted_text("a\x00b", "reason", free_text=True)


@pytest.mark.parametrize("surrogate", ["\ud800", "\udbff", "\udc00", "\udfff"])
def test_a_lone_surrogate_is_refused_even_in_free_text(surrogate: str) -> None:
    with pytest.raises(ValidationFailed, match="lone surrogate"):
        accepted_text(f"x{surrogate}", "text", free_text=True)


@given(
    st.text(
        st.characters(
            blacklist_categories=("Cs",),
            blacklist_characters="".join(CONTROLS),
        )
    )
)
def test_every_other_character_of_unicode_is_accepted(text: str) -> None:
    """Vietnamese, Chinese, symbols, emoji: only controls and surrogates are refused."""
    assert refused_character(text) is None
    assert accepted_text(text, "name") == text


def test_plates_and_names_of_both_sides_of_the_border_pass() -> None:
    for text in ["桂F·12345", "12C-123.45", "Nguyễn Thị Hồng Nhung", "凭祥市 友谊关"]:
        assert accepted_text(text, "x") == text

"""Cargo rules: customs declaration numbers, HS codes and weights."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.cargo import (
    MAX_WEIGHT_KG,
    check_declaration_number,
    check_hs_code,
    check_weight,
)
from gate.domain.errors import ValidationFailed

ascii_digits = st.text("0123456789", min_size=1, max_size=16)

# --- declaration numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("106123456789", "106123456789"),
        ("1061 2345 6789", "106123456789"),
        ("106-123-456-789", "106123456789"),
        (" 106 123-456 789\t", "106123456789"),
    ],
)
def test_a_twelve_digit_declaration_number_is_accepted_without_its_spaces_and_dashes(
    typed: str, cleaned: str
) -> None:
    assert check_declaration_number(typed) == cleaned


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "10612345678",  # 11 digits
        "1061234567890",  # 13 digits
        "10612345678A",
        "106.123.456.789",
        "１０６１２３４５６７８９",  # full-width digits
        "١٠٦١٢٣٤٥٦٧٨٩",  # Arabic-Indic digits
    ],
)
def test_anything_but_twelve_digits_is_refused_as_a_declaration_number(typed: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_declaration_number(typed)
    assert caught.value.extensions == {"field": "declaration_number"}


@given(ascii_digits, st.lists(st.sampled_from([" ", "-", "  ", "--"]), max_size=4))
def test_a_declaration_number_is_accepted_exactly_when_it_has_twelve_digits(
    digits: str, separators: list[str]
) -> None:
    typed = digits
    for position, separator in enumerate(separators):
        cut = (position * 3) % (len(typed) + 1)
        typed = typed[:cut] + separator + typed[cut:]
    if len(digits) == 12:
        assert check_declaration_number(typed) == digits
    else:
        with pytest.raises(ValidationFailed):
            check_declaration_number(typed)


# --- HS codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("0101", "0101"),
        ("0101.21", "010121"),
        ("0101.21.00", "01012100"),
        ("8471.30.20.10", "8471302010"),
        ("8471 30 20", "84713020"),
    ],
)
def test_an_hs_code_of_four_six_eight_or_ten_digits_is_accepted_without_its_dots(
    typed: str, cleaned: str
) -> None:
    assert check_hs_code(typed) == cleaned


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "010",
        "01012",  # five digits
        "0101.2",
        "0101213",
        "010121001",
        "847130201099",  # twelve digits
        "0101.2A",
        "0101\n",  # a trailing newline must not slip through into the record
        "０１０１",  # full-width digits
    ],
)
def test_an_hs_code_of_any_other_length_or_shape_is_refused(typed: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_hs_code(typed)
    assert caught.value.extensions == {"field": "hs_code"}


@given(ascii_digits)
def test_an_hs_code_is_accepted_exactly_at_four_six_eight_and_ten_digits(digits: str) -> None:
    if len(digits) in {4, 6, 8, 10}:
        assert check_hs_code(digits) == digits
    else:
        with pytest.raises(ValidationFailed):
            check_hs_code(digits)


# --- weights ---------------------------------------------------------------------------------


@pytest.mark.parametrize("weight", [0.001, 1, 24_500.5, MAX_WEIGHT_KG])
def test_a_weight_above_zero_and_up_to_the_maximum_is_accepted(weight: float) -> None:
    assert check_weight(weight) == weight


@pytest.mark.parametrize(
    "weight", [0, 0.0, -1, -0.001, MAX_WEIGHT_KG + 0.01, MAX_WEIGHT_KG + 1, math.inf, math.nan]
)
def test_a_weight_of_zero_below_zero_above_the_maximum_or_not_a_number_is_refused(
    weight: float,
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_weight(weight)
    assert caught.value.extensions == {"field": "weight_kg"}


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_weight_is_accepted_exactly_when_it_lies_in_the_allowed_range(weight: float) -> None:
    if 0 < weight <= MAX_WEIGHT_KG:
        assert check_weight(weight) == weight
    else:
        with pytest.raises(ValidationFailed):
            check_weight(weight)

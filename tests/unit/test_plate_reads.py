"""Camera reads: confusable characters resolved by the plate grammar, and folded to a key that
every misread of one plate shares."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.plate_reads import CONFUSABLE, fold, readings
from gate.domain.plates import parse_plate
from tests.unit.test_plates import valid_plates

LOOKALIKE = {d: letters for d, letters in CONFUSABLE.items()}


@st.composite
def misreads(draw: st.DrawFn, normalised: str) -> str:
    """The plate as a camera may read it: any digit as a letter that looks like it."""
    out = []
    for character in normalised:
        if character in LOOKALIKE and draw(st.booleans()):
            character = draw(st.sampled_from(LOOKALIKE[character]))
        out.append(character)
    return "".join(out)


@given(valid_plates.flatmap(lambda plate: st.tuples(st.just(plate), misreads(plate))))
def test_every_misread_of_a_plate_folds_to_the_plate_s_own_key(case: tuple[str, str]) -> None:
    plate, read = case
    assert fold(read) == fold(plate)


@given(valid_plates)
def test_a_valid_plate_reads_as_itself_alone(plate: str) -> None:
    assert readings(plate) == {plate}


@given(st.text(max_size=12))
def test_every_reading_is_a_valid_plate_with_the_read_s_key(raw: str) -> None:
    for plate in readings(raw):
        assert parse_plate(plate).normalised == plate
        assert fold(plate) == fold(parse_plate(plate).normalised)


@pytest.mark.parametrize(
    ("read", "plate"),
    [
        ("桂A12O45", "桂A12045"),  # O in a Chinese serial is 0
        ("桂A·I2345", "桂A12345"),  # I in a Chinese serial is 1
        ("桂A·1I3O挂", "桂A1130挂"),
    ],
)
def test_i_or_o_in_a_chinese_serial_is_read_as_1_or_0(read: str, plate: str) -> None:
    assert readings(read) == {plate}


@pytest.mark.parametrize(
    ("read", "plate"),
    [
        ("I2C-123.45", "12C12345"),  # a letter in the province code
        ("12C-I23.4S", "12C12345"),  # letters in the number
        ("1ZC-12B.45", "12C12845"),
    ],
)
def test_a_letter_where_a_vietnamese_plate_wants_a_digit_is_read_as_that_digit(
    read: str, plate: str
) -> None:
    # A two-letter series (51LD) may make a second reading; the expected trucks decide.
    assert plate in readings(read)
    assert all(len(reading) == len(plate) for reading in readings(read))


def test_a_digit_where_a_series_letter_belongs_may_be_any_letter_like_it() -> None:
    # 0 in the series position: O, D or Q; the truck list decides.
    assert readings("120-123.45") >= {"12D12345", "12Q12345"}


def test_a_read_nothing_resolves_has_no_reading() -> None:
    assert readings("NOT A PLATE") == frozenset()
    assert readings("") == frozenset()

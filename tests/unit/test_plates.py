"""Vehicle plates: one vehicle has one normalised form however its plate is typed or read."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.errors import InvalidPlate, ValidationFailed
from gate.domain.plates import (
    _CHINESE_PROVINCES,
    MAX_PLATE_INPUT,
    Plate,
    PlateCountry,
    format_plate,
    mask_plate,
    normalise_plate,
    parse_plate,
)

ASCII_DIGITS = "0123456789"
ASCII_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SERIAL_LETTERS = ASCII_LETTERS.replace("I", "").replace("O", "")  # a Chinese serial's
SEPARATORS = [" ", ".", "-", "·", "•", "・", "_", "\t", "\u00a0", "\u3000"]
# What office software and input methods type between the parts of a plate.
TYPED_SEPARATORS = [
    *SEPARATORS,
    *"‐‑‒–—―−﹣－",  # hyphens, dashes, minus signs, small and full-width hyphen-minus
    *"･．。｡﹒∙⋅",  # half-width middle dot, full-width and ideographic full stops
    "\u200b",  # a zero-width space from a copy and paste
]

vn_provinces = st.text(ASCII_DIGITS, min_size=2, max_size=2)
vn_series = st.text(ASCII_LETTERS, min_size=1, max_size=2)


@st.composite
def vietnamese_plates(draw: st.DrawFn, digits: tuple[int, ...] = (4, 5)) -> str:
    length = draw(st.sampled_from(digits))
    number = draw(st.text(ASCII_DIGITS, min_size=length, max_size=length))
    return draw(vn_provinces) + draw(vn_series) + number


@st.composite
def chinese_plates(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(_CHINESE_PROVINCES))
    office = draw(st.sampled_from(ASCII_LETTERS))
    alnum = SERIAL_LETTERS + ASCII_DIGITS
    number = draw(
        st.one_of(
            st.text(alnum, min_size=5, max_size=6),
            st.text(alnum, min_size=4, max_size=4).map(lambda body: body + "挂"),
        )
    )
    return province + office + number


valid_plates = st.one_of(vietnamese_plates(), chinese_plates())


@st.composite
def spellings(draw: st.DrawFn, normalised: str) -> str:
    """The plate with any casing and at most one separator around each character (so the
    typed form stays within MAX_PLATE_INPUT)."""
    parts = []
    for character in normalised:
        parts.append(draw(st.sampled_from(["", *SEPARATORS])))
        parts.append(character.lower() if draw(st.booleans()) else character)
    parts.append(draw(st.sampled_from(["", *SEPARATORS])))
    return "".join(parts)


# --- normalising -----------------------------------------------------------------------------


def test_a_plate_typed_in_any_common_spelling_normalises_to_one_form() -> None:
    forms = {normalise_plate(raw) for raw in ["12c-123.45", "12C12345", "12C 123-45", "12C·123.45"]}
    assert forms == {"12C12345"}


@given(st.text())
def test_normalising_a_normalised_plate_changes_nothing(raw: str) -> None:
    once = normalise_plate(raw)
    assert normalise_plate(once) == once


@given(st.text())
def test_a_normalised_plate_has_no_separator_and_no_lower_case_letter(raw: str) -> None:
    normalised = normalise_plate(raw)
    assert not any(separator in normalised for separator in SEPARATORS)
    assert normalised == normalised.upper()


@given(valid_plates.flatmap(lambda plate: st.tuples(st.just(plate), spellings(plate))))
def test_any_casing_and_separators_of_a_valid_plate_parse_to_the_same_plate(
    case: tuple[str, str],
) -> None:
    normalised, typed = case
    assert parse_plate(typed).normalised == normalised
    assert parse_plate(typed) == parse_plate(normalised)


def test_long_runs_of_separators_are_removed_when_the_input_stays_within_the_limit() -> None:
    typed = "12C -- 123 .. 45"
    assert len(typed) <= MAX_PLATE_INPUT
    assert parse_plate(typed).normalised == "12C12345"


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised", "country", "is_trailer"),
    [
        ("12C-123.45", "12C12345", PlateCountry.VIETNAM, False),
        ("29H-12345", "29H12345", PlateCountry.VIETNAM, False),
        ("29H-1234", "29H1234", PlateCountry.VIETNAM, False),
        ("51LD-123.45", "51LD12345", PlateCountry.VIETNAM, False),
        ("12R-012.34", "12R01234", PlateCountry.VIETNAM, True),
        ("桂F·12345", "桂F12345", PlateCountry.CHINA, False),
        ("桂F·D12345", "桂FD12345", PlateCountry.CHINA, False),
        ("桂F·1234挂", "桂F1234挂", PlateCountry.CHINA, True),
        ("桂f 1234挂", "桂F1234挂", PlateCountry.CHINA, True),
    ],
)
def test_vietnamese_and_chinese_plates_are_recognised_with_their_country_and_trailer_flag(
    raw: str, normalised: str, country: PlateCountry, is_trailer: bool
) -> None:
    plate = parse_plate(raw)
    assert plate == Plate(normalised, country)
    assert plate.is_trailer is is_trailer


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "hello",
        "12",
        "12C-123",  # three digits
        "12C-1234567",  # seven digits
        "1C-123.45",  # one-digit province
        "12CDE-123.45",  # three series letters
        "AB-123.45",
        "12C-123.4A",
        "12-123.45",  # no series
        "桂12345",  # no issuing office
        "桂F·123",
        "桂F·1234567",
        "桂F·123挂",
        "桂F·12345挂",
        "X桂F12345",
        "台F12345",  # not a mainland province
        "12C-123.45挂",
        "١٢C-١٢٣.٤٥",  # Arabic-Indic digits
        "桂F·12O45",  # a Chinese serial never has O
        "桂F·I2345",  # nor I
        "桂F·1I34挂",
        "12C\n12345x",
    ],
)
def test_anything_that_is_not_a_plate_is_refused(raw: str) -> None:
    with pytest.raises(InvalidPlate):
        parse_plate(raw)


def test_a_plate_spelled_with_full_width_digits_is_the_same_plate_not_a_second_identity() -> None:
    # A Chinese input method types １２C１２３４５: it is the truck 12C12345, never a second
    # normalised form (and so a second active booking).
    assert parse_plate("１２C１２３４５").normalised == "12C12345"


@pytest.mark.parametrize(
    "typed",
    [
        "１２Ｃ－１２３．４５",  # all full-width
        "１２ｃ－１２３．４５",  # full-width lower case
        "12C‐123.45",  # U+2010 hyphen (Word's autocorrect)
        "12C‑123.45",  # non-breaking hyphen
        "12C–123.45",  # en dash
        "12C—123.45",  # em dash
        "12C−123.45",  # minus sign
        "12C﹣123﹒45",  # small hyphen-minus, small full stop
        "12C－123・45",  # full-width hyphen-minus, katakana middle dot
        "12C-123･45",  # half-width katakana middle dot
        "12C-123。45",  # ideographic full stop
        "12C\u3000123\u00a045",  # ideographic and no-break spaces
        "\u200b12C-123.45\ufeff",  # invisible characters from a copy and paste
    ],
)
def test_full_width_dash_and_dot_variants_fold_to_the_canonical_plate(typed: str) -> None:
    assert normalise_plate(typed) == "12C12345"
    assert parse_plate(typed) == parse_plate("12C-123.45")


def test_a_full_width_chinese_plate_folds_to_the_canonical_plate() -> None:
    assert parse_plate("桂Ａ·１２０４５").normalised == "桂A12045"


def test_a_chinese_plate_with_o_or_i_in_its_serial_is_refused_with_a_reason() -> None:
    with pytest.raises(InvalidPlate) as caught:
        parse_plate("桂A·12O45")
    assert "I or O" in caught.value.detail


def test_a_chinese_issuing_office_may_be_o_the_serial_may_not() -> None:
    # 粤O is a police office: the rule is about the serial only.
    assert parse_plate("粤O·12345").normalised == "粤O12345"


@st.composite
def typed_spellings(draw: st.DrawFn, normalised: str) -> str:
    """The plate as office software or an input method may type it: full-width or ASCII per
    character, any case, any separator between characters."""
    parts = []
    for character in normalised:
        parts.append(draw(st.sampled_from(["", *TYPED_SEPARATORS])))
        if character.isascii() and draw(st.booleans()):
            character = chr(ord(character) + 0xFEE0)  # its full-width form
        parts.append(character.lower() if draw(st.booleans()) else character)
    return "".join(parts)


@given(valid_plates.flatmap(lambda plate: st.tuples(st.just(plate), typed_spellings(plate))))
def test_any_full_width_dash_or_dot_spelling_of_a_valid_plate_normalises_to_it(
    case: tuple[str, str],
) -> None:
    normalised, typed = case
    assert normalise_plate(typed) == normalised


@given(st.text(alphabet=st.sampled_from(TYPED_SEPARATORS), max_size=10))
def test_separators_alone_normalise_to_nothing(raw: str) -> None:
    assert normalise_plate(raw) == ""


def test_an_over_long_input_is_refused_even_when_it_would_normalise_to_a_valid_plate() -> None:
    padded = "12C-123.45".center(MAX_PLATE_INPUT + 1)
    assert normalise_plate(padded) == "12C12345"
    with pytest.raises(InvalidPlate):
        parse_plate(padded)


def test_an_input_of_exactly_the_maximum_length_is_still_read() -> None:
    padded = "12C-123.45".center(MAX_PLATE_INPUT)
    assert parse_plate(padded).normalised == "12C12345"


@given(st.text(min_size=MAX_PLATE_INPUT + 1, max_size=MAX_PLATE_INPUT + 40))
def test_any_input_longer_than_the_limit_is_refused(raw: str) -> None:
    with pytest.raises(InvalidPlate):
        parse_plate(raw)


def test_an_invalid_plate_is_a_validation_failure_with_its_own_code() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_plate("garbage")
    assert caught.value.code == "invalid-plate"


@given(st.one_of(st.text(max_size=MAX_PLATE_INPUT), valid_plates.flatmap(spellings)))
def test_whatever_parses_is_already_normalised_and_round_trips_through_its_display_form(
    raw: str,
) -> None:
    try:
        plate = parse_plate(raw)
    except InvalidPlate:
        return
    assert normalise_plate(plate.normalised) == plate.normalised
    assert parse_plate(plate.display) == plate


# --- display and masking ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("normalised", "display"),
    [
        ("12C12345", "12C-123.45"),
        ("29H1234", "29H-1234"),
        ("12R01234", "12R-012.34"),
        ("桂F12345", "桂F·12345"),
        ("桂F1234挂", "桂F·1234挂"),
        ("NOTAPLATE", "NOTAPLATE"),
    ],
)
def test_a_plate_is_displayed_as_it_is_painted(normalised: str, display: str) -> None:
    assert format_plate(normalised) == display


@given(valid_plates)
def test_a_valid_plate_displays_as_a_spelling_of_itself(normalised: str) -> None:
    assert normalise_plate(format_plate(normalised)) == normalised


@given(vietnamese_plates(digits=(5,)))
def test_a_masked_five_digit_vietnamese_plate_hides_the_first_three_digits_of_its_number(
    normalised: str,
) -> None:
    number = normalised[-5:]
    masked = mask_plate(normalised)
    assert number[:3] not in masked
    assert number not in masked
    assert masked.endswith(number[-2:])
    assert masked.startswith(normalised[:-5])  # province and series stay


@given(chinese_plates())
def test_a_masked_chinese_plate_hides_its_number_but_for_the_last_two_characters(
    normalised: str,
) -> None:
    number = normalised[2:]
    masked = mask_plate(normalised)
    assert number[:3] not in masked
    assert masked.endswith(number[-2:])
    assert masked.startswith(normalised[:2])


@given(valid_plates)
def test_a_masked_plate_keeps_the_last_two_characters_and_never_shows_the_whole_plate(
    normalised: str,
) -> None:
    masked = mask_plate(normalised)
    assert masked.endswith(normalised[-2:])
    assert normalised not in normalise_plate(masked)
    assert parse_plate(normalised).masked == masked


def test_a_masked_plate_reads_as_region_series_and_last_two_digits() -> None:
    assert mask_plate("12C12345") == "12C-•••45"
    assert mask_plate("桂F1234挂") == "桂F·•••4挂"


@given(st.text())
def test_something_that_is_not_a_plate_is_masked_entirely(raw: str) -> None:
    normalised = normalise_plate(raw)
    try:
        parse_plate(normalised)
    except InvalidPlate:
        assert mask_plate(normalised) == "•••"


# Every invisible format character Unicode knows (category Cf): the direction marks and
# embeddings a copy from a spreadsheet or a right-to-left page carries, the soft hyphen, the
# invisible separator and times, the word joiner, the byte order mark...
FORMAT_CHARACTERS = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]


@given(
    valid_plates.filter(lambda p: len(p) <= MAX_PLATE_INPUT - 2),
    st.lists(st.sampled_from(FORMAT_CHARACTERS), min_size=1, max_size=2),
    st.data(),
)
def test_a_plate_pasted_with_invisible_format_characters_is_the_same_plate(
    plate: str, invisible: list[str], data: st.DataObject
) -> None:
    """'12C\u200e123.45' (a left-to-right mark) or '12C\u00ad12345' (a soft hyphen) was
    refused as not a plate."""
    typed = plate
    for character in invisible:
        at = data.draw(st.integers(0, len(typed)))
        typed = typed[:at] + character + typed[at:]
    assert normalise_plate(typed) == plate
    assert parse_plate(typed).normalised == plate

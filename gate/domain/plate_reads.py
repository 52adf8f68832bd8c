"""Camera reads of plates: what character recognition confuses, resolved by the plate grammar
and by the trucks a gate expects.

A licence-plate camera takes O for 0, I for 1, B for 8 and so on. Registration refuses such a
plate (``parse_plate``); a camera read is only a reading, so two things resolve it:

* the grammar (``readings``): a letter where the grammar wants a digit (the province code and
  number of a Vietnamese plate, I or O in a Chinese serial) is read as the digit it resembles,
  and a digit where it wants a letter (a Vietnamese series, a Chinese issuing office) as the
  letters it resembles. A read that is already a valid plate is read as itself.
* the trucks expected at the gate (``fold``): two plates that differ only by confusable
  characters fold to the same key, so the check-in compares the read's key with the keys of
  the gate's active bookings; one match is that truck, several are for an officer to settle.

The confusion groups are those of the recognition engines' error tables (Q, D and O look
like 0; I like 1; B like 8; S like 5; Z like 2; G like 6).
"""

from __future__ import annotations

import re
from itertools import product

from gate.domain.errors import InvalidPlate
from gate.domain.plates import MAX_PLATE_INPUT, normalise_plate, parse_plate

# Each digit and the letters a camera takes for it.
CONFUSABLE: dict[str, str] = {"0": "ODQ", "1": "I", "8": "B", "5": "S", "2": "Z", "6": "G"}
_TO_DIGIT = {letter: digit for digit, letters in CONFUSABLE.items() for letter in letters}
_FOLD = str.maketrans(_TO_DIGIT)

_VIETNAMESE_LENGTHS = range(7, 10)  # 2 province + 1-2 series + 4-5 digits
_CHINESE_HEAD = re.compile(r"^[^\x00-\x7f][A-Z0-9]")


def fold(normalised: str) -> str:
    """The key two reads of one plate share whatever the camera confused: every confusable
    letter as its digit. ``fold("桂A12O45") == fold("桂A12045")``."""
    return normalised.translate(_FOLD)


def _as_digit(character: str) -> str | None:
    if character.isascii() and character.isdigit():
        return character
    return _TO_DIGIT.get(character)


def _as_letters(character: str) -> str:
    if "A" <= character <= "Z":
        return character
    return CONFUSABLE.get(character, "")


def _vietnamese(read: str) -> set[str]:
    found: set[str] = set()
    if len(read) not in _VIETNAMESE_LENGTHS:
        return found
    for series_length in (1, 2):
        number_length = len(read) - 2 - series_length
        if number_length not in (4, 5):
            continue
        digits_at = [*range(2), *range(2 + series_length, len(read))]
        digits = {i: digit for i in digits_at if (digit := _as_digit(read[i])) is not None}
        if len(digits) < len(digits_at):
            continue
        series = [_as_letters(read[i]) for i in range(2, 2 + series_length)]
        if not all(series):
            continue
        for letters in product(*series):
            spelled = [digits.get(i, "") for i in range(len(read))]
            spelled[2 : 2 + series_length] = letters
            found.add("".join(spelled))
    return found


def _chinese(read: str) -> set[str]:
    if not _CHINESE_HEAD.match(read):
        return set()
    # I and O are never in a serial: the camera saw 1 and 0. Other letters are legal there,
    # so only the truck list can tell a B from an 8.
    serial = read[2:].replace("I", "1").replace("O", "0")
    return {read[0] + office + serial for office in _as_letters(read[1])}


def readings(raw: str) -> frozenset[str]:
    """The valid plates (normalised) a camera read can stand for by the grammar alone: the
    read itself when it is valid, else every way of resolving its confusable characters
    where the grammar wants a digit or a letter. Empty when nothing fits."""
    if len(raw) > MAX_PLATE_INPUT:
        return frozenset()
    read = normalise_plate(raw)
    try:
        return frozenset({parse_plate(read).normalised})
    except InvalidPlate:
        pass
    valid = set()
    for candidate in _vietnamese(read) | _chinese(read):
        try:
            valid.add(parse_plate(candidate).normalised)
        except InvalidPlate:
            continue
    return frozenset(valid)

"""Vehicle plates (biển số xe): normalising, validating, formatting and masking.

Plates are compared in a normalised form: upper case without spaces, dots, dashes or middle
dots, so ``12c-123.45``, ``12C12345`` and ``12C 123-45`` are one vehicle. Every path that takes
a plate (API, pages, camera, kiosk, search) goes through ``normalise_plate``, which also folds
what input methods and office software produce: full-width forms (``１２Ｃ－１２３．４５``, by
Unicode NFKC), the dash and dot variants (‐ ‑ ‒ – — − ﹣ － ・ ･ ． 。 ·) and any whitespace.

A truck is a tractor and, often, its trailer. The two plates live in disjoint namespaces by
grammar: a trailer carries the R series in Vietnam (``12R-012.34``) and ends with 挂 in China
(``桂F·1234挂``); a tractor never does. ``check_truck`` enforces it, so a string can never be
active both as a tractor's plate and as a trailer's plate.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from gate.domain.errors import InvalidPlate, ValidationFailed

# Characters people, office software, input methods and cameras put between the parts of a
# plate, after NFKC (which already turned the full-width ones into ASCII): whitespace, dots
# and middle dots, dashes and minus signs, and the invisible ones a copy and paste carries.
_SEPARATOR_CHARACTERS = (
    "._\\-"  # ASCII dot, underscore, hyphen-minus
    "·•・。∙⋅‧⁃"  # middle dots, bullets, the ideographic full stop
    "‐‑‒–—―−ー"  # hyphen, non-breaking hyphen, figure/en/em dash, bar, minus, katakana bar
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width space, joiners, word joiner, BOM
)
_SEPARATORS = re.compile(rf"[\s{_SEPARATOR_CHARACTERS}]+")

# Vietnam: two-digit province code, one or two series letters, four or five digits.
# Trailers use the R series (12R-012.34); Lạng Sơn is 12.
# re.ASCII: \d would also take full-width or Arabic-Indic digits, giving one truck two identities.
_VIETNAMESE = re.compile(
    r"^(?P<province>\d{2})(?P<series>[A-Z]{1,2})(?P<number>\d{4,5})$", re.ASCII
)

# China: province character, issuing-office letter, five alphanumerics (six on new-energy
# plates); a trailer ends with 挂 after four alphanumerics. The serial never uses I or O (GA
# 36-2018, the plate standard: they are too easily taken for 1 and 0), so a serial with one
# is a misread or a typing error, never a second truck.
_CHINESE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_SERIAL = "[A-HJ-NP-Z0-9]"
_CHINESE = re.compile(
    rf"^(?P<province>[{_CHINESE_PROVINCES}])(?P<office>[A-Z])"
    rf"(?P<number>{_SERIAL}{{5,6}}|{_SERIAL}{{4}}挂)$"
)
# The same shape with any letter in the serial: tells "a Chinese plate with I or O" apart
# from "not a plate" in the refusal.
_CHINESE_ANY_LETTER = re.compile(
    rf"^[{_CHINESE_PROVINCES}][A-Z](?:[A-Z0-9]{{5,6}}|[A-Z0-9]{{4}}挂)$"
)

MAX_PLATE_INPUT = 20


class PlateCountry(StrEnum):
    VIETNAM = "VN"
    CHINA = "CN"


@dataclass(frozen=True, slots=True)
class Plate:
    """A validated plate: its normalised form is the identity, the display form is for people."""

    normalised: str
    country: PlateCountry

    @property
    def display(self) -> str:
        """The plate as it is painted: ``12C-123.45``, ``29H-1234``, ``桂F·12345``."""
        return format_plate(self.normalised)

    @property
    def masked(self) -> str:
        """The plate as the public may see it."""
        return mask_plate(self.normalised)

    @property
    def is_trailer(self) -> bool:
        if self.country is PlateCountry.CHINA:
            return self.normalised.endswith("挂")
        match = _VIETNAMESE.match(self.normalised)
        return bool(match and match["series"] == "R")


def normalise_plate(raw: str) -> str:
    """The canonical form of anything typed or read as a plate: NFKC (full-width forms become
    ASCII), upper case, every separator removed. Idempotent; total on any text."""
    if raw.isascii():  # what cameras send: NFKC would change nothing
        return _SEPARATORS.sub("", raw).upper()
    # Every invisible format character (Unicode category Cf) goes too: the direction marks and
    # embeddings a copy from a spreadsheet or a right-to-left page carries (U+200E, U+202A...),
    # the soft hyphen, the invisible separator. None is ASCII; none is ever part of a plate.
    folded = "".join(c for c in raw if unicodedata.category(c) != "Cf")
    # Upper-casing can undo NFKC's composition and NFKC can give back a lower-case letter
    # (ᵃ → a), so the two are applied until neither changes anything; twice is the most any
    # real text needs, the bound keeps a pathological input cheap.
    for _ in range(4):
        again = unicodedata.normalize("NFKC", _SEPARATORS.sub("", folded).upper())
        if again == folded:
            break
        folded = again
    return _SEPARATORS.sub("", folded)


def parse_plate(raw: str) -> Plate:
    """Validate a plate as typed or read by a camera; raise InvalidPlate when it is not one
    (also for a Chinese serial with I or O, with a detail that says so)."""
    if len(raw) > MAX_PLATE_INPUT:
        raise InvalidPlate(f"a plate has at most {MAX_PLATE_INPUT} characters")
    normalised = normalise_plate(raw)
    if _VIETNAMESE.match(normalised):
        return Plate(normalised, PlateCountry.VIETNAM)
    if _CHINESE.match(normalised):
        return Plate(normalised, PlateCountry.CHINA)
    if _CHINESE_ANY_LETTER.match(normalised):
        raise InvalidPlate(
            f"{raw!r}: Chinese plates never use the letters I or O in their serial "
            "(did you mean 1 or 0?)"
        )
    raise InvalidPlate(f"{raw!r} is not a Vietnamese or Chinese vehicle plate")


def check_truck(tractor: Plate, trailer: Plate | None) -> None:
    """A truck's plates: the tractor's is not a trailer's and the trailer's is one (so the two
    namespaces stay disjoint). Raises ValidationFailed naming the field at fault."""
    if tractor.is_trailer:
        raise ValidationFailed("that is a trailer plate; give it as trailer_plate", field="plate")
    if trailer is not None and not trailer.is_trailer:
        raise ValidationFailed(
            "trailer_plate is not a trailer's plate (R series, or 挂)", field="trailer_plate"
        )


def format_plate(normalised: str) -> str:
    """Display form of a normalised plate; unknown shapes are returned unchanged."""
    if match := _VIETNAMESE.match(normalised):
        number = match["number"]
        if len(number) == 5:
            number = f"{number[:3]}.{number[3:]}"
        return f"{match['province']}{match['series']}-{number}"
    if match := _CHINESE.match(normalised):
        return f"{match['province']}{match['office']}·{match['number']}"
    return normalised


def mask_plate(normalised: str) -> str:
    """Public form: region and series stay (they say where a truck is from), the number is hidden
    but for its last two characters, which lets a driver recognise their own truck on a board."""
    if match := _VIETNAMESE.match(normalised):
        return f"{match['province']}{match['series']}-•••{match['number'][-2:]}"
    if match := _CHINESE.match(normalised):
        return f"{match['province']}{match['office']}·•••{match['number'][-2:]}"
    return "•••"

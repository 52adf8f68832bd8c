"""Vehicle plates (biển số xe): normalising, validating, formatting and masking.

Plates are compared in a normalised form: upper case without spaces, dots, dashes or middle
dots, so ``12c-123.45``, ``12C12345`` and ``12C 123-45`` are one vehicle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from gate.domain.errors import InvalidPlate

# Characters people and cameras put between the parts of a plate.
_SEPARATORS = re.compile(r"[\s.\-·•・_]+")

# Vietnam: two-digit province code, one or two series letters, four or five digits.
# Trailers use the R series (12R-012.34); Lạng Sơn is 12.
# re.ASCII: \d would also take full-width or Arabic-Indic digits, giving one truck two identities.
_VIETNAMESE = re.compile(
    r"^(?P<province>\d{2})(?P<series>[A-Z]{1,2})(?P<number>\d{4,5})$", re.ASCII
)

# China: province character, issuing-office letter, five alphanumerics (six on new-energy
# plates); a trailer ends with 挂 after four alphanumerics.
_CHINESE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_CHINESE = re.compile(
    rf"^(?P<province>[{_CHINESE_PROVINCES}])(?P<office>[A-Z])"
    r"(?P<number>[A-Z0-9]{5,6}|[A-Z0-9]{4}挂)$"
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
    """Upper case, with every separator removed."""
    return _SEPARATORS.sub("", raw).upper()


def parse_plate(raw: str) -> Plate:
    """Validate a plate as typed or read by a camera; raise InvalidPlate when it is not one."""
    if len(raw) > MAX_PLATE_INPUT:
        raise InvalidPlate(f"a plate has at most {MAX_PLATE_INPUT} characters")
    normalised = normalise_plate(raw)
    if _VIETNAMESE.match(normalised):
        return Plate(normalised, PlateCountry.VIETNAM)
    if _CHINESE.match(normalised):
        return Plate(normalised, PlateCountry.CHINA)
    raise InvalidPlate(f"{raw!r} is not a Vietnamese or Chinese vehicle plate")


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

"""Cargo (hàng hoá) rules: customs declaration numbers and HS codes."""

from __future__ import annotations

import re

from gate.domain.errors import ValidationFailed

# A VNACCS customs declaration (tờ khai hải quan) number has 12 digits.
_DECLARATION = re.compile(r"^\d{12}$", re.ASCII)
# HS codes are read at 4, 6, 8 or 10 digits (chapter heading to national subheading).
_HS_CODE = re.compile(r"^\d{4}(\d{2}){0,3}$", re.ASCII)
MAX_WEIGHT_KG = 100_000


def check_declaration_number(number: str) -> str:
    """A 12-digit VNACCS declaration number, spaces and dashes removed."""
    cleaned = re.sub(r"[\s\-]", "", number)
    if not _DECLARATION.fullmatch(cleaned):
        raise ValidationFailed(
            "a customs declaration number has 12 digits", field="declaration_number"
        )
    return cleaned


def check_hs_code(code: str) -> str:
    """An HS code of 4, 6, 8 or 10 digits, dots removed."""
    cleaned = code.replace(".", "").replace(" ", "")
    if not _HS_CODE.fullmatch(cleaned):
        raise ValidationFailed("an HS code has 4, 6, 8 or 10 digits", field="hs_code")
    return cleaned


def check_weight(weight_kg: float) -> float:
    if not 0 < weight_kg <= MAX_WEIGHT_KG:
        raise ValidationFailed(
            f"cargo weight must be above 0 and at most {MAX_WEIGHT_KG} kg", field="weight_kg"
        )
    return weight_kg

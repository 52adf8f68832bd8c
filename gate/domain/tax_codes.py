"""Vietnamese tax codes (mã số thuế, MST) of enterprises signing up.

An enterprise's code has 10 digits; a dependent unit (a branch, chi nhánh) has the parent's
10 digits and a three-digit suffix, written ``0101234567-001``. People type them with spaces,
dots or without the dash: ``normalise_tax_code`` accepts those and gives the one stored form
(the 10 digits, or the 10 digits, a dash and the suffix), so that one enterprise cannot sign
up twice under two spellings. Suffix ``000`` names no unit and ten zeros no enterprise: both
are refused. The tenth digit is a check digit in the tax authority's scheme; it is not
checked here, since the platform's seed and test data (and enterprises registered before)
use codes that were never checked, and the administration reviews every sign-up anyway.
"""

from __future__ import annotations

import re

from gate.domain.errors import ValidationFailed

_SEPARATORS = re.compile(r"[\s.\-]")
_DIGITS = re.compile(r"[0-9]{10}|[0-9]{13}")


def normalise_tax_code(text: str) -> str:
    """The stored form of tax code ``text`` (module docstring); ValidationFailed (field
    ``tax_code``) naming what is expected otherwise."""
    digits = _SEPARATORS.sub("", text or "")
    if not _DIGITS.fullmatch(digits) or digits[:10] == "0" * 10:
        raise ValidationFailed(
            "a tax code of 10 digits, or 13 for a branch (0101234567-001)", field="tax_code"
        )
    if len(digits) == 10:
        return digits
    if digits[10:] == "000":
        raise ValidationFailed("a branch's suffix runs from 001 to 999", field="tax_code")
    return f"{digits[:10]}-{digits[10:]}"


def spellings(code: str) -> tuple[str, ...]:
    """The forms a stored ``code`` may have been written in before sign-up normalised them
    (a branch's with or without its dash), to find it among enterprises created through the
    administrator's API."""
    return (code, code.replace("-", "")) if "-" in code else (code,)

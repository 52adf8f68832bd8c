"""Languages of the pages: Vietnamese first, English second, Chinese for drivers from the
other side. The language follows the browser (Accept-Language) until the person picks one."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal

LANGUAGES = ("vi", "en", "zh")
DEFAULT = "vi"
LANG_COOKIE = "gate_lang"


@cache
def messages(language: str) -> dict[str, str]:
    folder = Path(__file__).resolve().parents[2] / "frontend" / "i18n"
    data: dict[str, str] = json.loads((folder / f"{language}.json").read_text())
    return data


def pick_language(cookie: str | None, accept_language: str | None) -> str:
    """The cookie's choice, else the browser's first supported language, else Vietnamese."""
    if cookie in LANGUAGES:
        return str(cookie)
    weighted = []
    for part in (accept_language or "").split(","):
        tag, _, weight = part.strip().partition(";q=")
        try:
            q = float(weight) if weight else 1.0
        except ValueError:
            q = 0.0
        base = tag.split("-")[0].lower()
        if base in LANGUAGES:
            weighted.append((q, base))
    return max(weighted)[1] if weighted else DEFAULT


class Translator:
    """``t("key")`` in templates; falls back to Vietnamese, then to the key itself."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._table = messages(language)
        self._fallback = messages(DEFAULT)

    def __call__(self, key: str) -> str:
        return self._table.get(key) or self._fallback.get(key) or key

    def table(self) -> dict[str, Any]:
        return dict(self._table)

    def number(self, value: float, decimals: int | None = 1) -> str:
        """``value`` as the page's language writes numbers, by CLDR's data (Babel), as the
        browser's Intl writes them on the charts' axes: vi ``1.234,5``, en and zh
        ``1,234.5``. An int has no decimals; a float has ``decimals`` of them, or with None
        as few as it needs (at most three: ``0,5``, ``1,25``)."""
        if isinstance(value, int) or decimals is None:
            return format_decimal(value, locale=self.language)
        # A small negative rounded (-0.01 to one decimal) reads 0.0: a sign on nothing says
        # nothing (Babel keeps the sign of a value that rounds to zero). Any other value is
        # Babel's to round.
        shown = value if round(value, decimals) != 0 else 0.0
        return format_decimal(shown, format="#,##0." + "0" * decimals, locale=self.language)

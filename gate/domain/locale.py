"""A gate's name and a moment as each language writes them, for everything a person reads:
the pages (services/web/locale_format.py and services/web/names.py register these as Jinja
filters and globals) and the messages rendered in a recipient's language (gate/messages/).
Here, below both, so that a mail and a page say one hour and one gate the same way (issue 16:
mails wrote ``01/12 08:05`` in every language and named a gate in English to a Chinese
reader).

Dates follow CLDR's data (Babel), on the gates' clock (Asia/Ho_Chi_Minh); the shapes and why
each was chosen are in services/web/locale_format.py. Pure computation over Babel's bundled
data: no I/O of the platform's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from babel import Locale
from babel.dates import format_skeleton, format_time

from gate.domain.time import LOCAL_TZ

LANGUAGES = ("vi", "en", "zh")
DEFAULT = "vi"
NOTHING = "—"


def language_of(language: str | None) -> str:
    """``language`` when the platform speaks it, else the default (Vietnamese)."""
    return language if language in LANGUAGES else DEFAULT


def _part(gate: Any, name: str) -> str | None:
    value = gate.get(name) if isinstance(gate, Mapping) else getattr(gate, name, None)
    return value if isinstance(value, str) and value else None


def gate_name(gate: Any, language: str) -> str:
    """``gate``'s name (a row, or a mapping with its names) in ``language``: ``name`` in vi,
    ``name_en`` in en, ``name_zh`` in zh (``name_en`` while a gate has none; gate/gates/
    seed.py says which Chinese names and why); its code if it has no name."""
    wanted = {"vi": ("name",), "en": ("name_en", "name"), "zh": ("name_zh", "name_en", "name")}
    for part in wanted.get(language, ("name",)):
        if (found := _part(gate, part)) is not None:
            return found
    return _part(gate, "code") or ""


def gate_code(gate: Any) -> str | None:
    """``gate``'s code (a row or a mapping), None when it has none."""
    return _part(gate, "code")


def _local(value: datetime | date | str) -> datetime | date:
    if isinstance(value, str):  # an ISO 8601 time, as JSON state and audit facts hold it
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(LOCAL_TZ)
    return value


def clock(value: datetime | str | None, language: str, seconds: bool = False) -> str:
    """The time of day, 24-hour: ``08:05`` (``08:05:09`` with ``seconds``)."""
    if value is None:
        return NOTHING
    pattern = "HH:mm:ss" if seconds else "HH:mm"
    moment = _local(value)
    if not isinstance(moment, datetime):  # a day has no time of day
        return NOTHING
    return format_time(moment, pattern, locale=language_of(language))


def day(value: datetime | date | str | None, language: str, *, weekday: bool = False) -> str:
    """The day without its year (``1 thg 12``, ``Dec 1``, ``12月1日``); with ``weekday``
    its short weekday name too (``Thứ 3, 1 thg 12``)."""
    if value is None:
        return NOTHING
    skeleton = "MMMEd" if weekday else "MMMd"
    return format_skeleton(skeleton, _local(value), locale=language_of(language))


def full_date(value: datetime | date | str | None, language: str) -> str:
    """The day with its year: ``1 thg 12, 2026``, ``Dec 1, 2026``, ``2026年12月1日``."""
    if value is None:
        return NOTHING
    return format_skeleton("yMMMd", _local(value), locale=language_of(language))


def when(
    value: datetime | str | None, language: str, *, year: bool = False, seconds: bool = False
) -> str:
    """A day and its time in the language's order: ``08:05 1 thg 12``, ``Dec 1, 08:05``,
    ``12月1日 08:05`` (with ``year``, the year too). A string is read as ISO 8601."""
    if value is None:
        return NOTHING
    language = language_of(language)
    on = full_date(value, language) if year else day(value, language)
    at = clock(value, language, seconds)
    pattern = str(Locale.parse(language).datetime_formats["medium"])
    return pattern.replace("{1}", on).replace("{0}", at)

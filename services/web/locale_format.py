"""Dates, times and numbers on the pages as each page's language writes them, by CLDR's data
(Babel), on the gates' clock (Asia/Ho_Chi_Minh): one helper for every page, registered as
Jinja filters (``register``), so a template writes ``{{ b.slot | when }}`` and never a
``strftime`` pattern of its own (issue 16: weekday names were English on vi and zh pages).

The shapes, for 2026-12-01 08:05 local time:

=========== ====================== ===================== ======================
filter      vi                     en                    zh
=========== ====================== ===================== ======================
clock       08:05                  08:05                 08:05
clock(True) 08:05:09               08:05:09              08:05:09
day         1 thg 12               Dec 1                 12月1日
weekday     Thứ 3, 1 thg 12        Tue, Dec 1            12月1日周二
date        1 thg 12, 2026         Dec 1, 2026           2026年12月1日
when        08:05 1 thg 12         Dec 1, 08:05          12月1日 08:05
when_year   08:05 1 thg 12, 2026   Dec 1, 2026, 08:05    2026年12月1日 08:05
number      1.234,5                1,234.5               1,234.5
vnd         1.500.000 ₫            ₫1,500,000            ₫1,500,000
=========== ====================== ===================== ======================

Why these: the hours are written 00–23 in all three (the gates and their boards run on a
24-hour clock; CLDR's own ``Hm`` drops vi's leading zero, which misaligns a column of times);
a month is written by its (abbreviated) name, never ``1/12`` against ``12/1``: Babel's ``en``
is the United States' month-first order, and a date that reads as two days is worse than a
longer one. A date with a time follows the language's own order (vi puts the time first).

Values: an aware datetime is shown on the gates' clock; a naive one is taken as already on
it (pages compute local wall times, e.g. a calendar's hours); a ``date`` is a day; a string
is read as ISO 8601 (the driver's page's JSON state). None shows as "—", so a template needs
no ``if`` for a time not known yet. The driver's page's script writes its days with the
browser's Intl from the same CLDR data (``frontend/static/driver.js``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.numbers import format_currency
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

# The day and time helpers live below the pages, so the messages write moments the same way.
from gate.domain.locale import NOTHING, clock, day, full_date, when
from gate.domain.locale import language_of as _language
from services.web.i18n import DEFAULT, Translator

__all__ = ["NOTHING", "clock", "day", "full_date", "number", "register", "vnd", "when"]


def number(value: float | None, language: str, decimals: int | None = None) -> str:
    """A number with the language's grouping and decimal sign: vi ``1.234,5``, en and zh
    ``1,234.5``. An int has no decimals; a float has ``decimals`` of them, or with None as
    few as it needs (at most three)."""
    if value is None:
        return NOTHING
    # One rule with the statistics' numbers (Translator.number, as the charts' Intl writes).
    return Translator(_language(language)).number(value, decimals)


def vnd(value: int | None, language: str) -> str:
    """An amount of dong as the language writes money, by CLDR (the fees' amounts: whole
    dong, the currency has no minor unit): vi ``1.500.000 ₫``, en and zh ``₫1,500,000``."""
    if value is None:
        return NOTHING
    return format_currency(value, "VND", locale=_language(language))


def _lang(context: Context) -> str:
    return str(context.get("lang") or DEFAULT)


@pass_context
def _clock(context: Context, value: datetime | None, seconds: bool = False) -> str:
    return clock(value, _lang(context), seconds)


@pass_context
def _day(context: Context, value: datetime | date | None) -> str:
    return day(value, _lang(context))


@pass_context
def _weekday(context: Context, value: datetime | date | None) -> str:
    return day(value, _lang(context), weekday=True)


@pass_context
def _date(context: Context, value: datetime | date | None) -> str:
    return full_date(value, _lang(context))


@pass_context
def _when(context: Context, value: datetime | None, seconds: bool = False) -> str:
    return when(value, _lang(context), seconds=seconds)


@pass_context
def _when_year(context: Context, value: datetime | None, seconds: bool = False) -> str:
    return when(value, _lang(context), year=True, seconds=seconds)


@pass_context
def _number(context: Context, value: float | None, decimals: int | None = None) -> str:
    return number(value, _lang(context), decimals)


@pass_context
def _vnd(context: Context, value: int | None) -> str:
    return vnd(value, _lang(context))


FILTERS: dict[str, Any] = {
    "clock": _clock,
    "day": _day,
    "weekday": _weekday,
    "date": _date,
    "when": _when,
    "when_year": _when_year,
    "number": _number,
    "vnd": _vnd,
}


def register(environment: Environment) -> None:
    """Add the filters to the pages' Jinja environment (``services/web/__init__.py``)."""
    environment.filters.update(FILTERS)

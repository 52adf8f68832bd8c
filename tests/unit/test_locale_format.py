"""Dates, weekdays and numbers on the pages as each language writes them (Babel's CLDR data),
on the gates' clock; the pages' Jinja filters and names of gates in the page's language
(issue 16: weekday names were English on vi and zh pages)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from jinja2 import Environment

from gate.domain.locale import gate_name
from services.web import locale_format, names
from services.web.i18n import Translator
from services.web.locale_format import clock, day, full_date, number, when

# 08:05:09 on Tuesday 1 December 2026 at the gates (UTC+7).
MOMENT = datetime(2026, 12, 1, 1, 5, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "short_day", "with_weekday", "with_year", "day_and_time"),
    [
        ("vi", "1 thg 12", "Thứ 3, 1 thg 12", "1 thg 12, 2026", "08:05 1 thg 12"),
        ("en", "Dec 1", "Tue, Dec 1", "Dec 1, 2026", "Dec 1, 08:05"),
        ("zh", "12月1日", "12月1日周二", "2026年12月1日", "12月1日 08:05"),
    ],
)
def test_a_moment_is_written_as_the_language_writes_it_on_the_gates_clock(
    language: str, short_day: str, with_weekday: str, with_year: str, day_and_time: str
):
    assert clock(MOMENT, language) == "08:05"
    assert clock(MOMENT, language, seconds=True) == "08:05:09"
    assert day(MOMENT, language) == short_day
    assert day(MOMENT, language, weekday=True) == with_weekday
    assert full_date(MOMENT, language) == with_year
    assert when(MOMENT, language) == day_and_time


def test_weekday_names_are_never_english_on_vietnamese_and_chinese_pages():
    english = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    for n in range(7):
        shown = [day(date(2026, 11, 30) + timedelta(days=n), lang, weekday=True) for lang in
                 ("vi", "zh")]  # fmt: skip
        assert not any(name in text for text in shown for name in english), shown
    assert day(date(2026, 12, 6), "zh", weekday=True).endswith("周日")
    assert day(date(2026, 12, 6), "vi", weekday=True).startswith("CN")


def test_a_day_is_never_written_month_first_nor_day_first_by_number():
    # 1/12 and 12/1 read as two days; the month is named.
    for language in ("vi", "en", "zh"):
        assert "/" not in when(MOMENT, language, year=True)


def test_numbers_follow_the_languages_grouping_and_decimal_sign():
    assert number(1234.5, "vi", 1) == "1.234,5"
    assert number(1234.5, "en", 1) == "1,234.5"
    assert number(1234.5, "zh", 1) == "1,234.5"
    assert number(12000, "vi") == "12.000"
    assert number(-0.01, "vi", 1) == "0,0"


def test_nothing_known_yet_reads_as_a_dash_and_a_naive_time_is_on_the_gates_clock():
    assert clock(None, "vi") == when(None, "zh") == number(None, "en") == "—"
    assert clock(datetime(2026, 12, 1, 8, 5), "vi") == "08:05"
    # An unknown language is the default's, never an error on a page.
    assert day(MOMENT, "fr") == day(MOMENT, "vi")


def _environment() -> Environment:
    environment = Environment(autoescape=True)
    locale_format.register(environment)
    names.register(environment)
    return environment


def test_the_pages_filters_take_the_pages_language_from_the_template():
    template = _environment().from_string(
        "{{ at | weekday }} · {{ at | clock }} · {{ at | when_year }} · {{ n | number(1) }}"
    )
    shown = template.render(lang="zh", at=MOMENT, n=1234.5)
    assert shown == "12月1日周二 · 08:05 · 2026年12月1日 08:05 · 1,234.5"


def test_a_gate_is_named_in_the_pages_language():
    gate = {"code": "tan-thanh", "name": "Cửa khẩu Tân Thanh", "name_en": "Tan Thanh Border Gate",
            "name_zh": "新清口岸（浦寨）"}  # fmt: skip
    assert gate_name(gate, "vi") == "Cửa khẩu Tân Thanh"
    assert gate_name(gate, "en") == "Tan Thanh Border Gate"
    assert gate_name(gate, "zh") == "新清口岸（浦寨）"
    # A gate an administrator added without a Chinese name: its English one, never its code.
    assert gate_name({**gate, "name_zh": None}, "zh") == "Tan Thanh Border Gate"
    template = _environment().from_string("{{ gate_name_of('tan-thanh') }}|{{ gate_name_of('x') }}")
    assert template.render(t=Translator("zh"), gate_rows=[gate]) == "新清口岸（浦寨）|x"


def test_a_vehicle_type_and_an_event_are_words_in_the_pages_language():
    template = _environment().from_string(
        "{{ vehicle_type_words('refrigerated') }}|{{ event_words('booking.created') }}"
    )
    assert template.render(t=Translator("zh")) == "冷藏车|预约已创建"
    assert template.render(t=Translator("vi")) == "Xe lạnh|Đăng ký được tạo"


def test_an_amount_of_dong_is_written_as_each_language_writes_money():
    template = _environment().from_string("{{ fee | vnd }}")
    # The dong has no decimals; vi groups with dots and puts the sign after (a no-break space).
    assert template.render(lang="vi", fee=1_500_000) == "1.500.000\xa0₫"
    assert template.render(lang="en", fee=1_500_000) == "₫1,500,000"
    assert template.render(lang="zh", fee=2_000_000) == "₫2,000,000"
    assert template.render(lang="vi", fee=None) == "—"

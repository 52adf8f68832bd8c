"""The partner gate's announcements (gate/domain/partner.py): an hour's bookable capacity is
the smaller of ours and theirs; the latest announced of those covering an hour is in force;
the spans an announcement may cover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.errors import ValidationFailed
from gate.domain.partner import (
    PARTNER,
    PARTNER_CLOSED,
    PartnerLimit,
    bookable,
    check_announcement,
    in_force,
)
from gate.domain.slots import Closure, Direction, DirectionSchedule, capacity_of_slot
from services.web.booking_words import closed_words
from services.web.i18n import LANGUAGES, Translator

DAY = datetime(2026, 12, 1, 1, tzinfo=UTC)  # 08:00 in Lạng Sơn
HOUR = timedelta(hours=1)
EXPORT = Direction.EXPORT


def _limit(
    first: int, last: int, capacity: int, announced: int, direction: str | None = "export"
) -> PartnerLimit:
    """``capacity`` per hour over hours ``first`` to ``last`` of DAY, announced ``announced``
    minutes after midnight UTC, recorded then too."""
    moment = datetime(2026, 11, 30, tzinfo=UTC) + timedelta(minutes=announced)
    return PartnerLimit(
        DAY + first * HOUR, DAY + last * HOUR, capacity, moment, moment, direction=direction
    )


@given(ours=st.integers(0, 10_000), theirs=st.none() | st.integers(0, 10_000))
def test_the_bookable_capacity_is_the_smaller_of_ours_and_theirs(ours: int, theirs: int | None):
    both = bookable(ours, None, theirs)
    assert both.capacity == (ours if theirs is None else min(ours, theirs))
    assert (both.limited_by == PARTNER) == (theirs is not None and theirs < ours)


def test_a_closure_of_ours_keeps_its_reason_and_the_partners_closure_says_it_is_theirs():
    assert bookable(0, "Tết", 0).closed_reason == "Tết"
    assert bookable(0, "Tết", 0).limited_by is None
    theirs = bookable(15, None, 0)
    assert (theirs.capacity, theirs.closed_reason, theirs.limited_by) == (
        0,
        PARTNER_CLOSED,
        PARTNER,
    )


def test_the_calendar_takes_the_partners_capacity_under_ours_and_never_above():
    day = DirectionSchedule(hourly_capacity=20)
    assert capacity_of_slot(DAY, EXPORT, day, None, [], 8).capacity == 8
    assert capacity_of_slot(DAY, EXPORT, day, None, [], 30).capacity == 20
    assert capacity_of_slot(DAY, EXPORT, day, 5, [], 8).capacity == 5  # our override
    closed = Closure(DAY, DAY + HOUR, "Quốc khánh")
    assert capacity_of_slot(DAY, EXPORT, day, None, [closed], 8).closed_reason == "Quốc khánh"


def test_the_latest_announced_covering_an_hour_is_in_force():
    early = _limit(0, 4, 10, announced=60)
    later = _limit(1, 2, 4, announced=120)
    limits = [later, early]
    assert in_force(limits, DAY, "export") == early
    assert in_force(limits, DAY + HOUR, "export") == later
    assert in_force(limits, DAY + 2 * HOUR, "export") == early
    assert in_force(limits, DAY + 4 * HOUR, "export") is None
    assert in_force(limits, DAY, "import") is None
    both = _limit(0, 1, 2, announced=30, direction=None)
    assert in_force([both], DAY, "import") == both
    # An older announcement entered later does not replace the partner's newer word.
    assert in_force([later, _limit(1, 2, 9, announced=90)], DAY + HOUR, "export") == later


def test_an_announcement_touching_part_of_an_hour_limits_the_whole_hour():
    half = PartnerLimit(DAY + HOUR / 2, DAY + 2 * HOUR, 3, DAY, DAY)
    assert in_force([half], DAY, "export") == half
    assert in_force([half], DAY + 2 * HOUR, "export") is None


def test_two_announced_at_one_instant_the_one_recorded_later_wins():
    first = PartnerLimit(DAY, DAY + HOUR, 5, DAY, DAY)
    second = PartnerLimit(DAY, DAY + HOUR, 7, DAY, DAY + timedelta(seconds=1))
    assert in_force([second, first], DAY, "export") == second


@pytest.mark.parametrize(
    ("start", "end", "announced", "field", "why"),
    [
        (2, 1, 0, "ends_at", None),  # ends before it starts
        (1, 1, 0, "ends_at", None),
        (-5, -3, 0, "ends_at", "in-the-past"),
        (0, 24 * 63, 0, "ends_at", None),  # longer than 62 days
        (0, 2, 1, "announced_at", None),  # an hour ahead of our clock
    ],
)
def test_spans_an_announcement_may_not_cover_are_refused(
    start: int, end: int, announced: int, field: str, why: str | None
):
    with pytest.raises(ValidationFailed) as refused:
        check_announcement(DAY + start * HOUR, DAY + end * HOUR, DAY + announced * HOUR, DAY)
    assert refused.value.extensions["field"] == field
    assert refused.value.why == why


def test_a_span_running_now_or_to_come_is_taken_in_utc():
    span = check_announcement(DAY - HOUR / 2, DAY + 2 * HOUR, DAY, DAY)
    assert span == (DAY - HOUR / 2, DAY + 2 * HOUR)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_portal_says_a_partners_closure_in_its_own_words(language: str):
    t = Translator(language)
    said = closed_words(PARTNER_CLOSED, t)
    assert said == t("partner_closed_hour") and said != "partner_closed_hour"
    assert closed_words("Tết Nguyên đán", t) == "Tết Nguyên đán"  # ours, as written

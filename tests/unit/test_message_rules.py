"""Messages to people without I/O (gate/domain/messages.py): quiet hours, the per-person
rate limit, the driver's urgent messages, the choices people may make, SMS segments."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.errors import ValidationFailed
from gate.domain.messages import (
    QuietHours,
    check_channels,
    check_topics,
    due_at,
    fits,
    international_phone,
    language_of_nationality,
    parse_quiet_hours,
    rate_limited,
    sms_segments,
    topic_of,
)
from gate.domain.time import LOCAL_TZ

HOUR = timedelta(hours=1)
NIGHT = QuietHours(time(22, 0), time(6, 0))
# 23:30 in Hà Nội (UTC+7) on 1 December is 16:30 UTC.
LATE_EVENING = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)
SIX_AM_NEXT_DAY = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)


def test_a_message_in_the_quiet_hours_is_due_when_they_end_the_next_morning():
    assert NIGHT.end_after(LATE_EVENING) == SIX_AM_NEXT_DAY
    # 03:00 local, after midnight: the same morning's 06:00.
    assert NIGHT.end_after(datetime(2026, 12, 1, 20, 0, tzinfo=UTC)) == SIX_AM_NEXT_DAY


def test_outside_the_quiet_hours_a_message_is_due_at_once():
    noon = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    assert NIGHT.end_after(noon) == noon
    lunch = QuietHours(time(12, 0), time(13, 0))
    assert lunch.end_after(noon) == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def test_the_drivers_dispatch_order_and_lane_call_ignore_quiet_hours_and_the_limit():
    due = due_at(
        LATE_EVENING, quiet=NIGHT, urgent=True, earlier=[LATE_EVENING] * 9, limit=1, window=HOUR
    )
    assert due == LATE_EVENING


def test_quiet_hours_that_start_and_end_together_are_refused():
    with pytest.raises(ValidationFailed):
        parse_quiet_hours("06:00", "06:00")
    with pytest.raises(ValidationFailed):
        parse_quiet_hours("22:00", None)
    with pytest.raises(ValidationFailed):
        parse_quiet_hours("25:00", "06:00")
    assert parse_quiet_hours(None, None) is None
    assert parse_quiet_hours("22:00", "06:00") == NIGHT


def test_the_excess_over_the_limit_waits_for_room_and_is_never_dropped():
    at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    sent = [at - timedelta(minutes=50), at - timedelta(minutes=20), at - timedelta(minutes=5)]
    # Three in the last hour, a limit of three: room when the oldest leaves the hour.
    assert rate_limited(at, sent, 3, HOUR) == at + timedelta(minutes=10)
    assert rate_limited(at, sent, 4, HOUR) == at
    assert rate_limited(at, sent, 0, HOUR) == at  # 0: no limit


def test_a_message_the_limit_pushes_into_quiet_hours_waits_for_their_end():
    at = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)  # 21:30 local
    earlier = [at - timedelta(minutes=10)]
    due = due_at(at, quiet=NIGHT, urgent=False, earlier=earlier, limit=1, window=HOUR)
    assert due == SIX_AM_NEXT_DAY


instants = st.integers(min_value=0, max_value=6 * 3600).map(
    lambda s: datetime(2026, 12, 1, tzinfo=UTC) + timedelta(seconds=s)
)


@given(
    at=instants,
    earlier=st.lists(instants, max_size=12),
    limit=st.integers(min_value=1, max_value=4),
)
def test_the_limit_holds_in_every_window_and_the_message_is_as_early_as_it_can_be(
    at: datetime, earlier: list[datetime], limit: int
) -> None:
    due = rate_limited(at, earlier, limit, HOUR)
    assert due >= at
    assert fits(due, earlier, limit, HOUR)
    # No earlier second from ``at`` would have fitted.
    probe = at
    while probe < due:
        assert not fits(probe, earlier, limit, HOUR)
        probe += timedelta(minutes=1)


@given(
    start=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    end=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    at=instants,
)
def test_a_message_is_never_due_inside_quiet_hours(start: time, end: time, at: datetime) -> None:
    if start == end:
        return
    quiet = QuietHours(start, end)
    due = quiet.end_after(at)
    assert due >= at
    assert due - at <= timedelta(hours=24)
    assert not quiet.contains(due.astimezone(LOCAL_TZ).time().replace(tzinfo=None))


def test_people_choose_among_known_channels_and_topics():
    assert [c.value for c in check_channels(["zalo", "sms", "sms"])] == ["sms", "zalo"]
    with pytest.raises(ValidationFailed):
        check_channels(["fax"])
    assert check_topics(["truck.called", "booking.created"]) == ("booking.created", "truck.called")
    with pytest.raises(ValidationFailed):
        check_topics(["webhook.disabled"])  # not a choice: it always goes to admins
    assert topic_of("vehicle.arrived") == "truck.checked_in"
    assert topic_of("driver_link.made") is None


def test_a_drivers_first_language_follows_the_nationality():
    assert language_of_nationality("CN") == "zh"
    assert language_of_nationality("vn") == "vi"
    assert language_of_nationality("LA") == "en"


def test_sms_segments_count_gsm7_and_ucs2():
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("{" * 80) == 1  # extension characters take two septets
    assert sms_segments("{" * 81) == 2
    assert sms_segments("ệ" * 70) == 1
    assert sms_segments("ệ" * 71) == 2
    assert sms_segments("车" * 134) == 2
    assert sms_segments("车" * 135) == 3


def test_phones_are_given_to_providers_with_their_country_code():
    assert international_phone("0912 345 678") == "84912345678"
    assert international_phone("+86 138 0000 0000") == "8613800000000"
    assert international_phone("0086 138 0000 0000") == "8613800000000"
    assert international_phone("84912345678") == "84912345678"

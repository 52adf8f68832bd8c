"""How far a device's clock may be from the platform's for a check-in to be acted on: the
core's rule (``gate.domain.checkin.check_observed_at``), not the web handler's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from gate.domain.checkin import MAX_CLOCK_SKEW, MAX_EVENT_AGE, check_observed_at
from gate.domain.errors import ValidationFailed

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def test_a_device_may_run_five_minutes_ahead_and_report_two_days_back():
    assert timedelta(minutes=5) == MAX_CLOCK_SKEW
    assert timedelta(days=2) == MAX_EVENT_AGE
    assert check_observed_at(NOW + MAX_CLOCK_SKEW, NOW) == NOW + MAX_CLOCK_SKEW
    assert check_observed_at(NOW - MAX_EVENT_AGE, NOW) == NOW - MAX_EVENT_AGE


def test_an_event_is_taken_in_utc_whatever_offset_the_device_wrote():
    local = (NOW - timedelta(minutes=3)).astimezone(timezone(timedelta(hours=7)))
    observed = check_observed_at(local, NOW)
    assert observed == NOW - timedelta(minutes=3)
    assert observed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("observed_at", "reason"),
    [
        (NOW + MAX_CLOCK_SKEW + TICK, "observed_at is in the future; check the device's clock"),
        (NOW - MAX_EVENT_AGE - TICK, "observed_at is too old to act on"),
        (NOW.replace(tzinfo=None), "times must carry a UTC offset"),
    ],
)
def test_an_event_from_beyond_the_limits_is_refused_not_guessed(observed_at: datetime, reason: str):
    with pytest.raises(ValidationFailed, match=reason.replace("(", r"\(")):
        check_observed_at(observed_at, NOW)

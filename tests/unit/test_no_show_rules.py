"""No-show accountability's rule (gate/domain/no_shows.py): the rate counts from a minimum of
bookings, the share of a peak hour shrinks with the rate above the threshold and never below
the floor, and the places follow the share."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.config import SettingError, Settings
from gate.domain.no_shows import (
    DEFAULT_POLICY,
    NoShowPolicy,
    PeakShareExceeded,
    check_peak_share,
    no_show_rate,
    parse_peak_hours,
    peak_places,
    peak_share,
    standing,
)

rates = st.floats(min_value=0, max_value=1, allow_nan=False)
policies = st.builds(
    NoShowPolicy,
    minimum_bookings=st.integers(min_value=1, max_value=50),
    threshold=st.floats(min_value=0, max_value=1, allow_nan=False),
    slope=st.floats(min_value=0, max_value=20, allow_nan=False),
    floor=st.floats(min_value=0, max_value=1, allow_nan=False),
)


@given(rates, policies)
def test_the_share_is_never_below_the_floor_nor_above_one(rate: float, policy: NoShowPolicy):
    share = peak_share(rate, policy)
    assert policy.floor <= share <= 1.0


@given(rates, rates, policies)
def test_the_share_never_grows_with_the_rate(one: float, other: float, policy: NoShowPolicy):
    low, high = sorted((one, other))
    assert peak_share(high, policy) <= peak_share(low, policy)


@given(rates, st.integers(min_value=0, max_value=500), policies)
def test_the_places_are_at_least_the_floors_and_never_none(
    rate: float, capacity: int, policy: NoShowPolicy
):
    places = peak_places(peak_share(rate, policy), capacity)
    assert places <= capacity
    assert places >= policy.floor * capacity - 1e-6
    assert places >= (1 if capacity else 0)


def test_the_defaults_as_documented():
    # docs/architecture.md, "No-show accountability": 1 up to 10 %, 0.6 at 30 %, the floor
    # of 0.25 from 47.5 % on; 10 bookings before a rate counts.
    assert peak_share(0.10, DEFAULT_POLICY) == 1.0
    assert peak_share(0.30, DEFAULT_POLICY) == pytest.approx(0.6)
    assert peak_share(0.475, DEFAULT_POLICY) == pytest.approx(0.25)
    assert peak_share(0.9, DEFAULT_POLICY) == 0.25
    assert peak_places(0.6, 10) == 6 and peak_places(0.25, 4) == 1 and peak_places(0.25, 5) == 2
    assert no_show_rate(9, 9, DEFAULT_POLICY) is None
    assert no_show_rate(3, 10, DEFAULT_POLICY) == pytest.approx(0.3)
    assert standing(9, 0, 9, DEFAULT_POLICY).share == 1.0  # too few to count: no limit
    assert DEFAULT_POLICY.window == timedelta(days=30)
    assert DEFAULT_POLICY.is_peak(8) and not DEFAULT_POLICY.is_peak(20)


def test_a_place_beyond_the_share_is_refused_with_its_reason():
    check_peak_share(0, 0.25, 4)
    with pytest.raises(PeakShareExceeded) as refused:
        check_peak_share(1, 0.25, 4)
    assert refused.value.code == "peak-share-exceeded" and refused.value.why == "peak-share"
    assert (refused.value.held, refused.value.allowed, refused.value.why_value) == (1, 1, 1)


def test_the_peak_hours_read_from_the_setting():
    assert parse_peak_hours("7-11,13-17") == DEFAULT_POLICY.peak_hours
    assert parse_peak_hours("18") == {18}
    assert parse_peak_hours("none") == frozenset()
    settings = Settings.from_env({"GATE_PEAK_HOURS": "6-9", "GATE_NO_SHOW_THRESHOLD": "0.2"})
    assert settings.no_show_policy.peak_hours == {6, 7, 8}
    assert settings.no_show_policy.threshold == 0.2
    for wrong in ("7-", "11-7", "7-25", "seven"):
        with pytest.raises(SettingError, match="GATE_PEAK_HOURS"):
            Settings.from_env({"GATE_PEAK_HOURS": wrong})
    with pytest.raises(SettingError, match="GATE_PEAK_SHARE_FLOOR"):
        Settings.from_env({"GATE_PEAK_SHARE_FLOOR": "1.5"})

"""Wait forecasts: the measured service rate, minutes for a place in the queue, and accuracy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.forecast import (
    MIN_CALLS_FOR_RATE,
    SERVICE_WINDOW,
    ForecastAccuracy,
    ServiceRate,
    forecast_accuracy,
    mean_minutes,
    service_rate,
    to_the_minute,
)

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def calls_minutes_ago(*minutes: float) -> list[datetime]:
    return [NOW - timedelta(minutes=m) for m in minutes]


# --- service_rate -------------------------------------------------------------------------


def test_enough_calls_in_the_window_give_a_measured_rate_of_calls_per_hour() -> None:
    calls = calls_minutes_ago(*range(5, 50, 5))  # nine calls in the last hour

    rate = service_rate(calls, NOW, planned_per_hour=30, lanes_open=2)

    assert rate == ServiceRate(9.0, measured=True)


def test_exactly_the_minimum_number_of_calls_is_enough_to_measure() -> None:
    calls = calls_minutes_ago(*range(1, MIN_CALLS_FOR_RATE + 1))

    rate = service_rate(calls, NOW, planned_per_hour=30, lanes_open=1)

    assert rate.measured is True
    assert rate.per_hour == MIN_CALLS_FOR_RATE


def test_one_call_short_of_the_minimum_falls_back_to_the_planned_rate() -> None:
    calls = calls_minutes_ago(*range(1, MIN_CALLS_FOR_RATE))

    rate = service_rate(calls, NOW, planned_per_hour=30, lanes_open=1)

    assert rate == ServiceRate(30.0, measured=False)


def test_calls_older_than_the_service_window_are_not_counted() -> None:
    recent = calls_minutes_ago(10, 20, 30, 40)
    old = [NOW - SERVICE_WINDOW - MINUTE, NOW - 2 * SERVICE_WINDOW, NOW - timedelta(days=1)]

    rate = service_rate(recent + old, NOW, planned_per_hour=30, lanes_open=1)

    assert rate == ServiceRate(4.0, measured=True)


def test_calls_in_the_future_are_not_counted() -> None:
    recent = calls_minutes_ago(10, 20, 30, 40)
    future = [NOW + MINUTE, NOW + timedelta(hours=1), NOW + timedelta(seconds=1)]

    rate = service_rate(recent + future, NOW, planned_per_hour=30, lanes_open=1)

    assert rate == ServiceRate(4.0, measured=True)


def test_calls_only_outside_the_window_leave_the_planned_rate_standing_in() -> None:
    outside = [
        NOW - SERVICE_WINDOW - MINUTE,
        NOW - SERVICE_WINDOW - 2 * MINUTE,
        NOW + MINUTE,
        NOW + 2 * MINUTE,
    ]

    rate = service_rate(outside, NOW, planned_per_hour=12, lanes_open=1)

    assert rate == ServiceRate(12.0, measured=False)


def test_calls_exactly_at_the_window_edges_are_counted() -> None:
    calls = [NOW - SERVICE_WINDOW, NOW - 30 * MINUTE, NOW]

    rate = service_rate(calls, NOW, planned_per_hour=50, lanes_open=1)

    assert rate == ServiceRate(3.0, measured=True)


def test_with_no_history_the_planned_rate_is_used_and_flagged_as_not_measured() -> None:
    rate = service_rate([], NOW, planned_per_hour=24, lanes_open=3)

    assert rate.per_hour == 24.0
    assert isinstance(rate.per_hour, float)
    assert rate.measured is False


@pytest.mark.parametrize("lanes_open", [0, -1])
def test_with_no_lane_open_nobody_moves_whatever_the_history(lanes_open: int) -> None:
    calls = calls_minutes_ago(*range(1, 30))

    rate = service_rate(calls, NOW, planned_per_hour=30, lanes_open=lanes_open)

    assert rate == ServiceRate(0.0, measured=False)
    assert rate.minutes_for(5) is None


# --- ServiceRate.minutes_for --------------------------------------------------------------


@pytest.mark.parametrize("per_hour", [0.0, -5.0])
def test_a_rate_of_zero_gives_no_forecast_at_all(per_hour: float) -> None:
    assert ServiceRate(per_hour, measured=False).minutes_for(3) is None
    assert ServiceRate(per_hour, measured=True).minutes_for(0) is None


def test_nobody_ahead_means_zero_minutes() -> None:
    assert ServiceRate(20.0, measured=True).minutes_for(0) == 0


def test_minutes_for_is_vehicles_ahead_over_the_hourly_rate() -> None:
    rate = ServiceRate(30.0, measured=True)

    assert rate.minutes_for(1) == pytest.approx(2.0)
    assert rate.minutes_for(15) == pytest.approx(30.0)
    assert rate.minutes_for(30) == pytest.approx(60.0)
    assert ServiceRate(12.0, measured=False).minutes_for(3) == pytest.approx(15.0)


@given(
    per_hour=st.floats(min_value=0.1, max_value=1000, allow_nan=False),
    ahead=st.integers(min_value=0, max_value=500),
    extra=st.integers(min_value=0, max_value=500),
)
def test_minutes_for_grows_linearly_with_the_vehicles_ahead(
    per_hour: float, ahead: int, extra: int
) -> None:
    rate = ServiceRate(per_hour, measured=True)
    first, second, total = (
        rate.minutes_for(ahead),
        rate.minutes_for(extra),
        rate.minutes_for(ahead + extra),
    )

    assert first is not None and second is not None and total is not None
    assert total == pytest.approx(first + second)
    assert total >= first


# --- mean_minutes -------------------------------------------------------------------------


def test_mean_minutes_of_nothing_is_none() -> None:
    assert mean_minutes([]) is None


def test_mean_minutes_averages_the_durations_in_minutes() -> None:
    durations = [timedelta(minutes=4), timedelta(minutes=6), timedelta(minutes=11, seconds=30)]

    assert mean_minutes(durations) == pytest.approx(7.1666666, rel=1e-6)
    assert mean_minutes([timedelta(seconds=90)]) == pytest.approx(1.5)
    assert mean_minutes([timedelta(0)]) == 0


# --- forecast_accuracy --------------------------------------------------------------------


def pair(predicted_minutes: float, actual_minutes: float) -> tuple[datetime, datetime]:
    return NOW + timedelta(minutes=predicted_minutes), NOW + timedelta(minutes=actual_minutes)


def test_accuracy_with_no_samples_has_no_errors() -> None:
    assert forecast_accuracy([]) == ForecastAccuracy(0, None, None)


def test_accuracy_reports_the_mean_absolute_error_and_the_signed_bias() -> None:
    # Errors (actual - predicted): +10, -4, +3 minutes.
    pairs = [pair(0, 10), pair(20, 16), pair(30, 33)]

    accuracy = forecast_accuracy(pairs)

    assert accuracy.samples == 3
    assert accuracy.mean_absolute_error_minutes == pytest.approx(17 / 3, abs=0.05)
    assert accuracy.mean_absolute_error_minutes == 5.7
    assert accuracy.mean_error_minutes == 3.0


def test_the_bias_is_positive_when_vehicles_were_called_later_than_forecast() -> None:
    accuracy = forecast_accuracy([pair(0, 5), pair(10, 17)])

    assert accuracy.mean_error_minutes == 6.0
    assert accuracy.mean_absolute_error_minutes == 6.0


def test_the_bias_is_negative_when_vehicles_were_called_earlier_than_forecast() -> None:
    accuracy = forecast_accuracy([pair(10, 5), pair(20, 17)])

    assert accuracy.mean_error_minutes == -4.0
    assert accuracy.mean_absolute_error_minutes == 4.0


def test_early_and_late_calls_cancel_in_the_bias_but_not_in_the_absolute_error() -> None:
    accuracy = forecast_accuracy([pair(0, 8), pair(20, 12)])

    assert accuracy.mean_error_minutes == 0.0
    assert accuracy.mean_absolute_error_minutes == 8.0


def test_accuracy_is_rounded_to_a_tenth_of_a_minute() -> None:
    # Errors of 20 s and 40 s: MAE and bias 0.5 min; 10 s alone: 0.1666… → 0.2.
    assert forecast_accuracy([pair(0, 1 / 3), pair(0, 2 / 3)]).mean_error_minutes == 0.5
    single = forecast_accuracy([(NOW, NOW + timedelta(seconds=10))])
    assert single.mean_absolute_error_minutes == 0.2
    assert single.mean_error_minutes == 0.2
    late_by_7s = forecast_accuracy([(NOW, NOW + timedelta(seconds=7))])
    assert late_by_7s.mean_error_minutes == 0.1
    early_by_7s = forecast_accuracy([(NOW, NOW - timedelta(seconds=7))])
    assert early_by_7s.mean_error_minutes == -0.1
    assert early_by_7s.mean_absolute_error_minutes == 0.1


offsets = st.integers(min_value=-6 * 3600, max_value=6 * 3600).map(lambda s: timedelta(seconds=s))
pairs_strategy = st.lists(
    st.tuples(offsets, offsets).map(lambda p: (NOW + p[0], NOW + p[1])), min_size=1, max_size=40
)


@given(pairs=pairs_strategy)
def test_the_mean_absolute_error_is_never_smaller_than_the_size_of_the_bias(
    pairs: list[tuple[datetime, datetime]],
) -> None:
    accuracy = forecast_accuracy(pairs)

    assert accuracy.samples == len(pairs)
    assert accuracy.mean_absolute_error_minutes is not None
    assert accuracy.mean_error_minutes is not None
    assert accuracy.mean_absolute_error_minutes >= abs(accuracy.mean_error_minutes)
    assert accuracy.mean_absolute_error_minutes >= 0


@given(times=st.lists(offsets.map(lambda d: NOW + d), min_size=1, max_size=40))
def test_a_forecast_that_was_exactly_right_has_no_error(times: list[datetime]) -> None:
    accuracy = forecast_accuracy([(t, t) for t in times])

    assert accuracy == ForecastAccuracy(len(times), 0.0, 0.0)


@given(pairs=pairs_strategy)
def test_swapping_forecast_and_reality_flips_the_bias_but_keeps_the_absolute_error(
    pairs: list[tuple[datetime, datetime]],
) -> None:
    forward = forecast_accuracy(pairs)
    backward = forecast_accuracy([(actual, predicted) for predicted, actual in pairs])

    assert backward.mean_absolute_error_minutes == forward.mean_absolute_error_minutes
    assert forward.mean_error_minutes is not None
    assert backward.mean_error_minutes == -forward.mean_error_minutes


def test_forecast_instants_are_rounded_to_the_nearest_minute() -> None:
    at = datetime(2026, 12, 1, 3, 4, tzinfo=UTC)
    assert to_the_minute(at + timedelta(seconds=29, microseconds=999_999)) == at
    assert to_the_minute(at + timedelta(seconds=30)) == at + timedelta(minutes=1)
    assert to_the_minute(at - timedelta(microseconds=1)) == at

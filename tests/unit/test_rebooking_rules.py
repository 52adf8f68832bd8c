"""Fair rebooking's rules (gate/domain/rebooking.py): who leaves an hour over capacity, the
hour each goes to, and the window of the enterprise's answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.errors import InvalidTransition, ValidationFailed
from gate.domain.rebooking import (
    Mover,
    answer_window,
    check_answerable,
    check_latest_acceptable,
    earliest_hour,
    movers,
)

T0 = datetime(2026, 12, 1, 1, tzinfo=UTC)
H = timedelta(hours=1)


def test_the_last_booked_leave_and_checked_in_trucks_count_first():
    booked = ["a", "b", "c", "d"]
    assert movers(booked, booked_places=4, capacity=2) == ["c", "d"]
    # Two checked-in trucks hold two of the five places counted: with two places, every
    # booking still booked leaves, and no more than those.
    assert movers(booked, booked_places=6, capacity=2) == booked
    assert movers(booked, booked_places=6, capacity=0) == booked
    assert movers(booked, booked_places=4, capacity=4) == []


@given(
    st.integers(min_value=0, max_value=8),
    st.integers(min_value=0, max_value=4),
    st.integers(min_value=0, max_value=12),
)
def test_movers_are_a_suffix_that_brings_the_hour_within_capacity(
    booked: int, checked_in: int, capacity: int
):
    order = [f"b{n}" for n in range(booked)]
    leaving = movers(order, booked + checked_in, capacity)
    assert leaving == order[len(order) - len(leaving) :]  # the last booked, in order
    staying = booked + checked_in - len(leaving)
    assert staying <= capacity or len(leaving) == booked  # only checked-in trucks stay over


def test_the_earliest_later_hour_with_room_within_the_latest_and_the_horizon():
    room = {T0 + n * H: free for n, free in enumerate([0, 2, 0, 1, 3])}
    mover = Mover("x", T0 + H, None)
    assert earliest_hour(mover, room, until=T0 + 10 * H) == T0 + 3 * H  # never its own
    assert earliest_hour(Mover("x", T0, None), room, until=T0 + 10 * H) == T0 + H
    assert earliest_hour(Mover("x", T0 + H, T0 + 2 * H), room, until=T0 + 10 * H) is None
    assert earliest_hour(Mover("x", T0 + H, T0 + 3 * H), room, until=T0 + 10 * H) == T0 + 3 * H
    assert earliest_hour(mover, room, until=T0 + 3 * H) is None  # the horizon's end


def test_the_window_closes_a_day_after_or_two_hours_before_the_new_hour():
    assert answer_window(T0, T0 + 48 * H) == T0 + 24 * H
    assert answer_window(T0, T0 + 10 * H) == T0 + 8 * H
    # Nearer than two hours: until the hour starts, never a window closed at the move.
    assert answer_window(T0, T0 + H) == T0 + H


def test_an_answer_needs_an_open_move():
    check_answerable(T0 + H, T0)
    with pytest.raises(InvalidTransition) as none:
        check_answerable(None, T0)
    assert none.value.why == "no-rebooking"
    with pytest.raises(InvalidTransition) as closed:
        check_answerable(T0, T0)
    assert closed.value.why == "rebooking-closed"


def test_a_latest_acceptable_time_is_not_before_the_hour():
    assert check_latest_acceptable(None, T0) is None
    assert check_latest_acceptable(T0, T0) == T0
    with pytest.raises(ValidationFailed) as early:
        check_latest_acceptable(T0 - H, T0)
    assert early.value.why == "latest-before-slot"
    with pytest.raises(ValidationFailed):
        check_latest_acceptable(datetime(2026, 12, 1, 5), T0)  # naive: its zone a guess

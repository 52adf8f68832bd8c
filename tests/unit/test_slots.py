"""Crossing slots and the time rules under them: capacity from the calendar, bookable starts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.domain.errors import InvalidSlot, SlotClosed, SlotFull, ValidationFailed
from gate.domain.slots import (
    DEFAULT_HORIZON,
    Closure,
    Direction,
    DirectionSchedule,
    SlotCapacity,
    booking_refusal,
    capacity_of_slot,
    check_bookable_start,
    remaining_places,
)
from gate.domain.time import LOCAL_TZ, as_local, as_utc, floor_to_slot

HANOI = timezone(timedelta(hours=7))
DAY = datetime(2026, 12, 1, tzinfo=UTC)  # 07:00 in Lạng Sơn
HOUR = timedelta(hours=1)
ALL_DAY = DirectionSchedule(hourly_capacity=30)
DAYTIME = DirectionSchedule(hourly_capacity=30, opens_at=7, closes_at=19)
OVERNIGHT = DirectionSchedule(hourly_capacity=12, opens_at=20, closes_at=6)


def slot_at_local_hour(hour: int) -> datetime:
    """The UTC start of the slot that begins at ``hour`` o'clock in Vietnam on 1 December."""
    return datetime(2026, 12, 1, hour, tzinfo=HANOI).astimezone(UTC)


def closure(starts_at: datetime, ends_at: datetime, direction: Direction | None = None) -> Closure:
    return Closure(starts_at=starts_at, ends_at=ends_at, reason="Tết", direction=direction)


aware_moments = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2035, 1, 1),
    timezones=st.sampled_from([UTC, HANOI, LOCAL_TZ, timezone(timedelta(hours=-5))]),
)


# --- time ------------------------------------------------------------------------------------


def test_a_naive_time_is_refused_because_its_zone_would_be_a_guess() -> None:
    with pytest.raises(ValidationFailed):
        as_utc(datetime(2026, 12, 1, 8))


def test_a_time_whose_zone_gives_no_offset_is_refused() -> None:
    class NoOffset(tzinfo):
        def utcoffset(self, _dt: datetime | None) -> None:
            return None

    with pytest.raises(ValidationFailed):
        as_utc(datetime(2026, 12, 1, 8, tzinfo=NoOffset()))


def test_a_local_time_is_stored_as_the_same_instant_in_utc() -> None:
    moment = as_utc(datetime(2026, 12, 1, 8, 30, tzinfo=HANOI))
    assert moment == datetime(2026, 12, 1, 1, 30, tzinfo=UTC)
    assert moment.utcoffset() == timedelta(0)


def test_the_gates_clock_is_seven_hours_ahead_of_utc() -> None:
    local = as_local(datetime(2026, 12, 1, 20, tzinfo=UTC))
    assert (local.day, local.hour) == (2, 3)
    assert local.utcoffset() == timedelta(hours=7)


@given(aware_moments)
def test_a_slot_starts_on_the_hour_in_utc_and_holds_the_moment(moment: datetime) -> None:
    start = floor_to_slot(moment)
    assert start.utcoffset() == timedelta(0)
    assert (start.minute, start.second, start.microsecond) == (0, 0, 0)
    assert start <= moment < start + HOUR


# --- capacity from the calendar ---------------------------------------------------------------


def test_an_open_hour_offers_the_hourly_capacity() -> None:
    assert capacity_of_slot(DAY, Direction.EXPORT, DAYTIME, None, []) == SlotCapacity(30)


@pytest.mark.parametrize("local_hour", range(24))
def test_opening_hours_are_read_on_the_clock_of_the_gates(local_hour: int) -> None:
    result = capacity_of_slot(slot_at_local_hour(local_hour), Direction.EXPORT, DAYTIME, None, [])
    if 7 <= local_hour < 19:
        assert result == SlotCapacity(30)
    else:
        assert result == SlotCapacity(0, "outside opening hours")


def test_the_first_and_last_hours_of_a_day_schedule_are_read_in_local_time_not_utc() -> None:
    # 00:00 UTC is 07:00 in Vietnam (open); 12:00 UTC is 19:00 (closed).
    assert capacity_of_slot(DAY, Direction.IMPORT, DAYTIME, None, []).capacity == 30
    assert capacity_of_slot(DAY + 12 * HOUR, Direction.IMPORT, DAYTIME, None, []).capacity == 0
    assert capacity_of_slot(DAY - HOUR, Direction.IMPORT, DAYTIME, None, []).capacity == 0


@pytest.mark.parametrize("local_hour", range(24))
def test_an_overnight_schedule_is_open_from_the_evening_to_the_morning(local_hour: int) -> None:
    result = capacity_of_slot(slot_at_local_hour(local_hour), Direction.IMPORT, OVERNIGHT, None, [])
    expected_open = local_hour >= 20 or local_hour < 6
    assert result.capacity == (12 if expected_open else 0)
    assert (result.closed_reason is None) is expected_open


def test_a_schedule_with_the_default_hours_is_open_around_the_clock() -> None:
    capacities = {
        capacity_of_slot(DAY + hour * HOUR, Direction.EXPORT, ALL_DAY, None, []).capacity
        for hour in range(24)
    }
    assert capacities == {30}


def test_an_override_wins_over_the_hourly_capacity() -> None:
    assert capacity_of_slot(DAY, Direction.EXPORT, DAYTIME, 5, []) == SlotCapacity(5)


def test_an_override_opens_an_hour_outside_the_opening_hours() -> None:
    night = slot_at_local_hour(2)
    assert capacity_of_slot(night, Direction.EXPORT, DAYTIME, None, []).capacity == 0
    assert capacity_of_slot(night, Direction.EXPORT, DAYTIME, 8, []) == SlotCapacity(8)


def test_an_override_of_zero_takes_the_hour_to_no_place() -> None:
    assert capacity_of_slot(DAY, Direction.EXPORT, DAYTIME, 0, []).capacity == 0


def test_a_closure_wins_over_an_override() -> None:
    holiday = closure(DAY, DAY + 24 * HOUR)
    result = capacity_of_slot(DAY + 3 * HOUR, Direction.EXPORT, DAYTIME, 50, [holiday])
    assert result == SlotCapacity(0, "Tết")


def test_a_closure_of_both_directions_closes_each_of_them() -> None:
    holiday = closure(DAY, DAY + 2 * HOUR, direction=None)
    for direction in Direction:
        assert capacity_of_slot(DAY, direction, ALL_DAY, None, [holiday]).capacity == 0


def test_a_closure_of_one_direction_leaves_the_other_direction_open() -> None:
    export_only = closure(DAY, DAY + 2 * HOUR, direction=Direction.EXPORT)
    assert capacity_of_slot(DAY, Direction.EXPORT, ALL_DAY, None, [export_only]) == (
        SlotCapacity(0, "Tết")
    )
    assert capacity_of_slot(DAY, Direction.IMPORT, ALL_DAY, None, [export_only]) == (
        SlotCapacity(30)
    )


def test_a_closure_of_the_other_direction_does_not_cancel_an_override() -> None:
    import_only = closure(DAY, DAY + 2 * HOUR, direction=Direction.IMPORT)
    assert capacity_of_slot(DAY, Direction.EXPORT, ALL_DAY, 4, [import_only]) == SlotCapacity(4)


def test_the_reason_given_is_that_of_the_closure_covering_the_slot() -> None:
    earlier = Closure(DAY - 5 * HOUR, DAY - 4 * HOUR, "rain")
    covering = Closure(DAY, DAY + HOUR, "border ceremony")
    result = capacity_of_slot(DAY, Direction.EXPORT, ALL_DAY, None, [earlier, covering])
    assert result == SlotCapacity(0, "border ceremony")


def test_a_closure_ending_exactly_when_the_slot_starts_does_not_cover_it() -> None:
    before = closure(DAY - 3 * HOUR, DAY)
    assert not before.covers(DAY, Direction.EXPORT)
    assert capacity_of_slot(DAY, Direction.EXPORT, ALL_DAY, None, [before]).capacity == 30


def test_a_closure_starting_exactly_when_the_slot_ends_does_not_cover_it() -> None:
    after = closure(DAY + HOUR, DAY + 3 * HOUR)
    assert not after.covers(DAY, Direction.EXPORT)
    assert capacity_of_slot(DAY, Direction.EXPORT, ALL_DAY, None, [after]).capacity == 30


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        (DAY - HOUR, DAY + timedelta(minutes=1)),  # the first minute of the slot
        (DAY + timedelta(minutes=59), DAY + 2 * HOUR),  # the last minute of the slot
        (DAY + timedelta(minutes=20), DAY + timedelta(minutes=40)),  # inside the slot
        (DAY, DAY + HOUR),  # exactly the slot
    ],
)
def test_a_closure_touching_any_part_of_a_slot_closes_the_whole_slot(
    starts_at: datetime, ends_at: datetime
) -> None:
    assert closure(starts_at, ends_at).covers(DAY, Direction.IMPORT)


def test_a_closure_given_in_local_time_covers_the_same_instants_in_utc() -> None:
    # 07:00 to 08:00 in Vietnam is 00:00 to 01:00 UTC.
    local = closure(datetime(2026, 12, 1, 7, tzinfo=HANOI), datetime(2026, 12, 1, 8, tzinfo=HANOI))
    assert local.covers(DAY, Direction.EXPORT)
    assert not local.covers(DAY + HOUR, Direction.EXPORT)
    assert not local.covers(DAY - HOUR, Direction.EXPORT)


@given(
    st.integers(min_value=-48, max_value=48),
    st.integers(min_value=1, max_value=48 * 60),
    st.sampled_from(list(Direction)),
)
def test_a_closure_covers_a_slot_exactly_when_their_spans_overlap(
    start_minutes: int, length_minutes: int, direction: Direction
) -> None:
    starts_at = DAY + timedelta(minutes=start_minutes * 30)
    ends_at = starts_at + timedelta(minutes=length_minutes)
    span = closure(starts_at, ends_at)
    overlaps = starts_at < DAY + HOUR and ends_at > DAY
    assert span.covers(DAY, direction) is overlaps
    expected = SlotCapacity(0, "Tết") if overlaps else SlotCapacity(30)
    assert capacity_of_slot(DAY, direction, ALL_DAY, 99 if overlaps else None, [span]) == expected


# --- bookable starts -------------------------------------------------------------------------

NOW = datetime(2026, 12, 1, 8, 20, tzinfo=UTC)
CURRENT_HOUR = datetime(2026, 12, 1, 8, tzinfo=UTC)


def test_the_hour_that_is_running_now_can_still_be_booked() -> None:
    assert check_bookable_start(CURRENT_HOUR, NOW) == CURRENT_HOUR


def test_the_next_hour_can_be_booked() -> None:
    assert check_bookable_start(CURRENT_HOUR + HOUR, NOW) == CURRENT_HOUR + HOUR


def test_a_slot_given_in_local_time_is_returned_in_utc() -> None:
    start = check_bookable_start(datetime(2026, 12, 1, 17, tzinfo=HANOI), NOW)
    assert start == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert start.tzinfo is UTC


def test_a_naive_slot_start_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        check_bookable_start(datetime(2026, 12, 1, 9), NOW)


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
        datetime(2026, 12, 1, 9, 0, 1, tzinfo=UTC),
        datetime(2026, 12, 1, 9, 0, 0, 1, tzinfo=UTC),
        datetime(2026, 12, 1, 16, 30, tzinfo=HANOI),
    ],
)
def test_a_slot_that_does_not_start_on_the_hour_is_refused(start: datetime) -> None:
    with pytest.raises(InvalidSlot, match="on the hour"):
        check_bookable_start(start, NOW)


@pytest.mark.parametrize(
    "start", [CURRENT_HOUR - HOUR, CURRENT_HOUR - 24 * HOUR, datetime(2020, 1, 1, tzinfo=UTC)]
)
def test_a_slot_before_the_current_hour_is_refused_as_past(start: datetime) -> None:
    with pytest.raises(InvalidSlot, match="past"):
        check_bookable_start(start, NOW)


def test_a_slot_starting_at_the_horizon_is_refused() -> None:
    on_the_hour = CURRENT_HOUR
    with pytest.raises(InvalidSlot) as caught:
        check_bookable_start(on_the_hour + DEFAULT_HORIZON, on_the_hour)
    assert caught.value.extensions == {"horizon_days": 14}


def test_the_last_slot_starting_before_the_horizon_can_be_booked() -> None:
    last = CURRENT_HOUR + DEFAULT_HORIZON  # 08:00 fourteen days on, before 08:20
    assert check_bookable_start(last, NOW) == last
    with pytest.raises(InvalidSlot):
        check_bookable_start(last + HOUR, NOW)


def test_a_shorter_horizon_is_honoured_and_reported() -> None:
    horizon = timedelta(days=2)
    last = CURRENT_HOUR + 2 * 24 * HOUR
    assert check_bookable_start(last, NOW, horizon) == last
    with pytest.raises(InvalidSlot, match="2 days") as caught:
        check_bookable_start(last + HOUR, NOW, horizon)
    assert caught.value.extensions["horizon_days"] == 2


@given(aware_moments, st.integers(min_value=-400, max_value=400))
def test_a_slot_is_bookable_exactly_from_the_current_hour_until_the_horizon(
    now: datetime, hours_ahead: int
) -> None:
    start = floor_to_slot(now) + hours_ahead * HOUR
    bookable = hours_ahead >= 0 and start < now + DEFAULT_HORIZON
    if bookable:
        result = check_bookable_start(start.astimezone(HANOI), now)
        assert result == start
        assert result.utcoffset() == timedelta(0)
    else:
        with pytest.raises(InvalidSlot):
            check_bookable_start(start, now)


# --- places ----------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_remaining_places_are_never_negative(capacity: int, booked: int) -> None:
    remaining = remaining_places(capacity, booked)
    assert remaining >= 0
    assert remaining == (capacity - booked if booked <= capacity else 0)


def test_a_slot_cut_by_a_closure_after_booking_shows_no_place_rather_than_a_debt() -> None:
    assert remaining_places(0, 7) == 0


def _room(capacity: int, booked: int, closed_reason: str | None) -> object:
    """What booking the next hour (always bookable by its start) would be told of its room."""
    return booking_refusal(DAY + HOUR, DAY, capacity, booked, closed_reason)


def test_a_slot_with_a_free_place_takes_one_more_vehicle() -> None:
    assert _room(capacity=3, booked=2, closed_reason=None) is None


@pytest.mark.parametrize("booked", [3, 4])
def test_a_full_slot_refuses_one_more_vehicle(booked: int) -> None:
    refusal = _room(capacity=3, booked=booked, closed_reason=None)
    assert isinstance(refusal, SlotFull)
    assert refusal.extensions == {"capacity": 3}


def test_a_closed_slot_is_refused_as_closed_with_its_reason() -> None:
    refusal = _room(capacity=0, booked=0, closed_reason="Tết")
    assert isinstance(refusal, SlotClosed)
    assert "Tết" in str(refusal)


def test_an_hour_overridden_to_zero_is_refused_as_full_not_closed() -> None:
    assert isinstance(_room(capacity=0, booked=0, closed_reason=None), SlotFull)

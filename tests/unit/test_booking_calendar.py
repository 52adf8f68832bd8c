"""The booking calendar (gate/bookings/calendar.py): a week of hours as a booker finds them,
full and closed hours shown as such and never offered, the night a gate does not work left out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from gate.bookings.calendar import OUTSIDE_HOURS, HourState, calendar_days, grid
from gate.domain.slots import Direction
from gate.domain.time import LOCAL_TZ
from gate.gates.service import SlotAvailability

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=LOCAL_TZ)  # a Tuesday, 09:30 at the gates
HORIZON = timedelta(days=14)
DAY = date(2026, 12, 1)


def _hour(day: date, hour: int, **fields: object) -> SlotAvailability:
    start = datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ).astimezone(UTC)
    values: dict[str, object] = {
        "direction": Direction.EXPORT,
        "starts_at": start,
        "capacity": 10,
        "booked": 0,
        "remaining": 10,
        "closed_reason": None,
        "refusal": None,
    }
    values.update(fields)
    return SlotAvailability(**values)  # type: ignore[arg-type]


def _open_seven_to_nineteen(days: list[date]) -> list[SlotAvailability]:
    slots = []
    for day in days:
        for hour in range(24):
            if 7 <= hour < 19:
                slots.append(_hour(day, hour))
            else:
                slots.append(
                    _hour(
                        day,
                        hour,
                        capacity=0,
                        remaining=0,
                        closed_reason=OUTSIDE_HOURS,
                        refusal="closed",
                    )
                )
    return slots


def test_a_week_shows_the_opening_hours_of_each_day_and_leaves_the_night_out():
    days = calendar_days(DAY, NOW, HORIZON)
    assert days == [DAY + timedelta(days=n) for n in range(7)]
    calendar = grid(_open_seven_to_nineteen(days), days, NOW, HORIZON)
    assert [hour for hour, _ in calendar.rows] == list(range(7, 19))
    first_row = dict(calendar.rows)[7]
    # Today's 07:00 is over; tomorrow's is free with its ten places.
    assert first_row[0] is not None and first_row[0].state is HourState.OVER
    assert first_row[1] is not None and first_row[1].state is HourState.FREE
    assert first_row[1].remaining == 10
    # The hour running now may still be booked (a truck may make it).
    now_cell = dict(calendar.rows)[9][0]
    assert now_cell is not None and now_cell.state is HourState.FREE


def test_a_full_hour_and_a_closed_one_are_shown_as_such_and_not_offered():
    days = calendar_days(DAY, NOW, HORIZON)
    slots = _open_seven_to_nineteen(days)
    tomorrow = DAY + timedelta(days=1)
    full = _hour(tomorrow, 10, booked=10, remaining=0, refusal="the slot has no free place")
    closed = _hour(
        tomorrow, 11, capacity=0, remaining=0, closed_reason="Tết", refusal="closed: Tết"
    )
    slots = [s for s in slots if s.starts_at not in (full.starts_at, closed.starts_at)]
    calendar = grid([*slots, full, closed], days, NOW, HORIZON)
    cells = dict(calendar.rows)
    assert cells[10][1] is not None and cells[10][1].state is HourState.FULL
    assert cells[10][1].remaining == 0
    assert cells[11][1] is not None and cells[11][1].state is HourState.CLOSED
    assert cells[11][1].closed_reason == "Tết"
    assert calendar.offers_any


def test_a_closure_at_night_keeps_no_row_but_one_inside_the_day_does():
    days = calendar_days(DAY, NOW, HORIZON)
    every_hour_closed = [
        _hour(day, hour, capacity=0, remaining=0, closed_reason="Tết", refusal="closed")
        for day in days
        for hour in range(24)
    ]
    calendar = grid(every_hour_closed, days, NOW, HORIZON)
    # A closure the administration gave a reason for is shown (in every row), never offered.
    assert len(calendar.rows) == 24 and not calendar.offers_any


def test_the_week_stops_at_the_booking_horizon_and_never_starts_before_today():
    assert calendar_days(DAY - timedelta(days=30), NOW, HORIZON)[0] == DAY
    late = calendar_days(DAY + timedelta(days=12), NOW, HORIZON)
    # 14 days from 09:30 today reach 09:29 of the fifteenth day: that day still has hours.
    assert late == [DAY + timedelta(days=n) for n in (12, 13, 14)]
    assert calendar_days(DAY + timedelta(days=400), NOW, HORIZON) == [DAY + timedelta(days=14)]
    days = calendar_days(DAY + timedelta(days=14), NOW, HORIZON)
    calendar = grid(_open_seven_to_nineteen(days), days, NOW, HORIZON)
    cells = dict(calendar.rows)
    # Its hours from 09:30 on are beyond the horizon: rows with nothing to offer are left out.
    assert list(cells) == [7, 8, 9]
    assert cells[9][0] is not None and cells[9][0].state is HourState.FREE

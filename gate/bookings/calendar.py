"""The booking calendar: several days of one gate and direction, hour by hour, as a booker
would find them now. One read of the availability (``gate.gates.service.availability``: the
calendar and the stored slots of the whole span, each hour judged by the very rule booking
applies), so an hour the calendar offers is one a booking takes, and a full or closed hour is
shown as such and never offered.

The grid is drawn on the gates' clock (Asia/Ho_Chi_Minh): a column per local day, a row per
local hour. Rows where no day has an hour of the gate's opening are left out (a gate open
from 7 to 19 shows those twelve rows, not 24 of which half say "closed"); an hour that is
closed inside the rows kept (a holiday, the other side's closure) says so in its cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from gate.domain.slots import Direction
from gate.domain.time import LOCAL_TZ, floor_to_slot, utc_now
from gate.gates.service import SlotAvailability, availability
from gate.store.unit_of_work import UnitOfWork

# A week: what a person plans a crossing over; the horizon cuts it where booking stops.
CALENDAR_DAYS = 7


class HourState(StrEnum):
    """What a booker can do with an hour: book it (``free``), or why not."""

    FREE = "free"
    FULL = "full"  # every place is taken (or the hour's capacity was set to 0)
    CLOSED = "closed"  # the gate does not work then: outside its hours, a closure
    OVER = "over"  # already past, or beyond the booking horizon: not bookable at all


@dataclass(frozen=True, slots=True)
class Hour:
    """One cell: the hour's start (aware, UTC), its state and the places left (0 unless
    free); ``closed_reason`` the closure's reason when one was given."""

    starts_at: datetime
    state: HourState
    remaining: int
    closed_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Calendar:
    """``days`` (local dates, the columns) and ``rows``: each a local hour of the day (0 to
    23) with one cell per day, None where that day has no such hour in the span."""

    days: list[date]
    rows: list[tuple[int, list[Hour | None]]]

    @property
    def offers_any(self) -> bool:
        """Whether any hour can be booked."""
        return any(
            c is not None and c.state is HourState.FREE for _, cells in self.rows for c in cells
        )


# The reason the calendar gives an hour outside a gate's opening hours
# (gate/domain/slots.py::capacity_of_slot): such rows are left out, and a page words it.
OUTSIDE_HOURS = "outside opening hours"


def state_of(slot: SlotAvailability, now: datetime, horizon: timedelta) -> HourState:
    """The state of an hour as availability judged it at ``now`` (its ``refusal`` is set
    when a booking would be refused): over when its time cannot be booked (past, or
    ``horizon`` or more ahead: ``check_bookable_start``'s rule), closed when the calendar
    closes it, full when it has no place left, else free."""
    if slot.starts_at < floor_to_slot(now) or slot.starts_at >= now + horizon:
        return HourState.OVER
    if slot.refusal is None:
        return HourState.FREE
    if slot.closed_reason is not None:
        return HourState.CLOSED
    return HourState.FULL


def grid(
    slots: list[SlotAvailability], days: list[date], now: datetime, horizon: timedelta
) -> Calendar:
    """The calendar of ``slots`` (one direction's hours) over the local ``days`` as judged at
    ``now``: pure, so its rules are tested without a database. A row is kept when one of its
    hours is free or full, or closed for a reason other than the opening hours."""
    cells: dict[tuple[date, int], Hour] = {}
    for slot in slots:
        local = slot.starts_at.astimezone(LOCAL_TZ)
        state = state_of(slot, now, horizon)
        remaining = slot.remaining if state is HourState.FREE else 0
        cells[(local.date(), local.hour)] = Hour(
            slot.starts_at, state, remaining, slot.closed_reason
        )
    rows: list[tuple[int, list[Hour | None]]] = []
    for hour in range(24):
        row = [cells.get((day, hour)) for day in days]
        if any(c is not None and _worth_a_row(c) for c in row):
            rows.append((hour, row))
    return Calendar(days, rows)


def _worth_a_row(cell: Hour) -> bool:
    if cell.state in (HourState.FREE, HourState.FULL):
        return True
    return cell.state is HourState.CLOSED and cell.closed_reason != OUTSIDE_HOURS


def calendar_days(
    first: date, now: datetime, horizon: timedelta, count: int = CALENDAR_DAYS
) -> list[date]:
    """Up to ``count`` local days from ``first`` (today when earlier, the horizon's last day
    when later) up to the last day the booking ``horizon`` reaches from ``now``."""
    today = now.astimezone(LOCAL_TZ).date()
    last = (now + horizon - timedelta(microseconds=1)).astimezone(LOCAL_TZ).date()
    start = min(max(first, today), last)
    return [start + timedelta(days=n) for n in range(count) if start + timedelta(days=n) <= last]


async def free_places(
    uow: UnitOfWork,
    gate_code: str,
    direction: Direction,
    first_day: date,
    *,
    horizon: timedelta,
    now: datetime | None = None,
) -> Calendar:
    """The calendar of ``gate_code``'s ``direction`` from ``first_day`` (the gates' clock) for
    up to CALENDAR_DAYS days within the booking ``horizon``, in one read of availability.
    NotFound (404) for an unknown gate."""
    at = now or utc_now()
    days = calendar_days(first_day, at, horizon)
    start = datetime.combine(days[0], datetime.min.time(), tzinfo=LOCAL_TZ)
    slots = await availability(
        uow, gate_code, [direction], start, 24 * len(days), now=at, horizon=horizon
    )
    return grid(slots, days, at, horizon)

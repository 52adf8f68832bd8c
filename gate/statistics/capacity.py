"""Places offered and held per period: what the gates' calendars offered in every hour of a
window, whether or not anyone booked it, and the places bookings held.

**Offered** is the calendar's capacity of each hour as booking computes it
(``gate/domain/slots.py::capacity_of_slot``: a closure wins, then an administrator's override
of the hour, then the direction's hourly capacity within its opening hours), for every hour
of every direction a gate takes (``gate_directions``). Before, only hours with a slot row
(``slots``, materialised by a first booking) were counted, so a day that offered 360 places
with one hour booked read 12/15 used, not 12/360. A slot row's capacity is the calendar's
too (every calendar change refreshes the rows it touches:
``gate/gates/calendar.py::refresh_slot_capacities``), so it is not read.

**Held** is the slot rows' ``booked``, summed per period in SQL: the places taken by
bookings that kept them (a cancelled booking or a no-show gives its place back; walk-ins
take one). Hours nobody booked hold nothing.

**A limit:** the calendar keeps no history. A past hour is counted with the schedule,
overrides and closures as they are now, so changing a direction's hours today changes what
past hours are said to have offered.

The hours are counted in Python from a few rows (the directions, the window's overrides and
closures): a year of one direction is 8,760 hours of a few integer operations each; only
hours with an override go through ``capacity_of_slot``. Local hours are UTC shifted by the
zone's one offset (Asia/Ho_Chi_Minh, no summer time), as ``reads.py`` does on SQLite.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.slots import Closure as ClosureRule
from gate.domain.slots import Direction, DirectionSchedule, capacity_of_slot
from gate.domain.time import LOCAL_TZ, SLOT_LENGTH, as_utc, floor_to_slot
from gate.statistics.reads import Grain, Scope, period_of, period_sql
from gate.store.tables import Closure, GateDirection, Slot, SlotOverride


@dataclass(frozen=True, slots=True)
class Capacity:
    """Places offered (the calendar's, in every hour of the period) and held (by bookings)
    in one period."""

    period: datetime
    offered: int
    held: int

    @property
    def use(self) -> float | None:
        """Held over offered, 0 to 1; None when nothing was offered."""
        return self.held / self.offered if self.offered else None

    @property
    def use_percent(self) -> float | None:
        """Held over offered in percent, to a tenth (``use_per_mille``), as the pages show it."""
        per_mille = use_per_mille(self.held, self.offered)
        return None if per_mille is None else per_mille / 10


def use_per_mille(held: int, offered: int) -> int | None:
    """Places held over offered in tenths of a percent, rounded half up, in integers; None
    when none were offered. The one rounding of the use: the open data's share (``/ 1000``:
    0.042) and the pages' percent (``/ 10``: 4.2 %) are this number, so they cannot disagree
    (rounding a float twice, 0.0125 read 0.013 as a share and 1.2 % as a percent)."""
    if not offered:
        return None
    return (2000 * held + offered) // (2 * offered)


def _hours(scope: Scope) -> tuple[datetime, int]:
    """The first hour starting inside the window and how many start inside it."""
    since, until = as_utc(scope.since), as_utc(scope.until)
    first = floor_to_slot(since)
    if first < since:
        first += SLOT_LENGTH
    return first, max(0, -(-(until - first) // SLOT_LENGTH))


async def capacity_use(session: AsyncSession, scope: Scope, grain: Grain) -> list[Capacity]:
    """Places offered and held per period, oldest first; a period with nothing offered and
    nothing held is left out. ``scope.queue_class`` does not apply: an hour's places are not
    per class. Four statements whatever the window (the places held summed in SQL)."""
    first, count = _hours(scope)
    if count == 0:
        return []
    end = first + count * SLOT_LENGTH

    def chosen(table: type[GateDirection | SlotOverride | Slot]) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if scope.gate_id is not None:
            conditions.append(table.gate_id == scope.gate_id)
        if scope.direction is not None:
            conditions.append(table.direction == scope.direction)
        return conditions

    directions = (await session.scalars(select(GateDirection).where(*chosen(GateDirection)))).all()
    overrides: dict[tuple[str, str], dict[datetime, int]] = defaultdict(dict)
    for gate_id, direction, starts_at, capacity in await session.execute(
        select(SlotOverride.gate_id, SlotOverride.direction, SlotOverride.starts_at,
               SlotOverride.capacity)
        .where(*chosen(SlotOverride), SlotOverride.starts_at >= first, SlotOverride.starts_at < end)
    ):  # fmt: skip
        overrides[gate_id, direction][as_utc(starts_at)] = capacity
    closures: dict[str, list[ClosureRule]] = defaultdict(list)
    closure_query = select(Closure).where(Closure.starts_at < end, Closure.ends_at > first)
    if scope.gate_id is not None:
        closure_query = closure_query.where(Closure.gate_id == scope.gate_id)
    for c in await session.scalars(closure_query):
        side = Direction(c.direction) if c.direction else None
        closures[c.gate_id].append(
            ClosureRule(as_utc(c.starts_at), as_utc(c.ends_at), c.reason, side)
        )
    per: dict[datetime, list[int]] = defaultdict(lambda: [0, 0])
    period = period_sql(session, Slot.starts_at, grain).label("period")
    held = (
        select(period, func.sum(Slot.booked))
        .where(*chosen(Slot), Slot.starts_at >= first, Slot.starts_at < end)
        .group_by(period)
    )
    for start, booked in await session.execute(held):
        per[period_of(start, grain)][1] += int(booked or 0)
    for row in directions:
        way = (row.gate_id, row.direction)
        offered = _offered(row, first, count, overrides[way], closures[row.gate_id], grain)
        for moment, places in offered.items():
            per[moment][0] += places
    return [Capacity(p, *per[p]) for p in sorted(per) if per[p] != [0, 0]]


def _offered(
    row: GateDirection,
    first: datetime,
    count: int,
    overrides: dict[datetime, int],
    closures: list[ClosureRule],
    grain: Grain,
) -> dict[datetime, int]:
    """One direction's places offered per period over ``count`` hours from ``first``."""
    direction = Direction(row.direction)
    schedule = DirectionSchedule(row.hourly_capacity, row.opens_at, row.closes_at)
    # The ordinary day, per local hour; the hours with a rule of their own apart.
    ordinary = [schedule.hourly_capacity if schedule.is_open_at(h) else 0 for h in range(24)]
    special: dict[int, int] = {}
    for closure in closures:
        if closure.direction not in (None, direction):
            continue
        start = max(first, floor_to_slot(closure.starts_at))
        while start < closure.ends_at and (index := (start - first) // SLOT_LENGTH) < count:
            special[index] = 0
            start += SLOT_LENGTH
    for moment in overrides:
        index = (moment - first) // SLOT_LENGTH
        if not 0 <= index < count:
            continue
        calendar = capacity_of_slot(moment, direction, schedule, overrides[moment], closures)
        special.setdefault(index, calendar.capacity)
    offset = LOCAL_TZ.utcoffset(first)
    assert offset is not None
    shift = (first + offset).hour  # the local hour of ``first``
    if grain is Grain.HOUR:
        hourly = [ordinary[(shift + index) % 24] for index in range(count)]
        for index, places in special.items():
            hourly[index] = places
        return {first + n * SLOT_LENGTH: places for n, places in enumerate(hourly) if places}
    # Days: hour ``index`` falls in local day ``(shift + index) // 24`` counted from first's;
    # a whole day offers the ordinary day's sum, the hours with a rule their difference.
    days = [0] * ((shift + count - 1) // 24 + 1)
    for day in range(len(days)):
        low, high = max(0, day * 24 - shift), min(count, (day + 1) * 24 - shift)
        if high - low == 24:
            days[day] = sum(ordinary)
        else:
            days[day] = sum(ordinary[(shift + index) % 24] for index in range(low, high))
    for index, places in special.items():
        days[(shift + index) // 24] += places - ordinary[(shift + index) % 24]
    midnight = period_of(first, Grain.DAY)
    return {midnight + timedelta(days=day): places for day, places in enumerate(days) if places}

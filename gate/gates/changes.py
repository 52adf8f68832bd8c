"""The administrator's changes of a gate's slot calendar: a direction's schedule, one hour's
capacity, closures. Each gives the materialised slots their new capacity and records what it
touched (GateCalendarChanged: its directions, hours and places per hour before and after),
so that the enterprises whose bookings it touched are told (gate/webhooks/capacity.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from gate.domain.errors import BookingsAboveCapacity, NotFound, ValidationFailed
from gate.domain.events import GateCalendarChanged
from gate.domain.slots import Direction, check_opening_hours
from gate.domain.time import SLOT_LENGTH, as_utc, floor_to_slot
from gate.gates.calendar import gate_by_code, load_calendar, refresh_slot_capacities
from gate.store.tables import Closure, Gate, GateDirection, Slot, SlotOverride
from gate.store.unit_of_work import UnitOfWork


def _changed(
    gate: Gate,
    change: str,
    directions: list[Direction],
    start: datetime,
    end: datetime,
    *,
    before: int | None = None,
    after: int | None = None,
    reason: str | None = None,
) -> GateCalendarChanged:
    """The event of a calendar change that touched ``directions`` over ``[start, end)``."""
    return GateCalendarChanged(
        gate=gate.code,
        gate_id=gate.id,
        change=change,
        directions=tuple(d.value for d in directions),
        starts_at=as_utc(start).isoformat(),
        ends_at=as_utc(end).isoformat(),
        capacity_before=before,
        capacity_after=after,
        reason=reason,
    )


async def _capacity_of_hour(
    uow: UnitOfWork, gate: Gate, direction: Direction, hour: datetime
) -> int:
    """The places the calendar gives ``hour`` of ``direction`` now."""
    calendar = await load_calendar(uow, gate, direction, hour, hour + SLOT_LENGTH)
    return calendar.capacity(hour).capacity


def _future_span(now: datetime, horizon: timedelta) -> tuple[datetime, datetime]:
    # Slots already past keep the capacity they had: history is not rewritten.
    start = floor_to_slot(now)
    return start, start + horizon + timedelta(days=1)


async def set_schedule(
    uow: UnitOfWork,
    code: str,
    direction: Direction,
    hourly_capacity: int,
    opens_at: int,
    closes_at: int,
    now: datetime,
    horizon: timedelta,
) -> GateDirection:
    """Change a direction's ordinary day; materialised future slots follow. A day that
    opens and closes at the same hour is refused (``check_opening_hours``)."""
    check_opening_hours(opens_at, closes_at)
    gate = await gate_by_code(uow, code)
    row = await uow.session.get(GateDirection, (gate.id, direction.value))
    if row is None:
        row = GateDirection(gate_id=gate.id, direction=direction.value)
        uow.session.add(row)
    before = row.hourly_capacity
    row.hourly_capacity, row.opens_at, row.closes_at = hourly_capacity, opens_at, closes_at
    await uow.session.flush()
    span = _future_span(now, horizon)
    await refresh_slot_capacities(uow, gate, [direction], *span)
    uow.record(_changed(gate, "schedule", [direction], *span, before=before, after=hourly_capacity))
    return row


@dataclass(frozen=True, slots=True)
class CapacityChange:
    """One hour's capacity changed: places ``before`` and ``after`` (the calendar's, a
    closure included), and ``booked``, the hour's active bookings at the change. The
    bookings ``above`` the new capacity are rebooked by the caller
    (gate/bookings/calendar_changes.py: the gates may not move bookings); the hour takes no
    new booking until it has room again."""

    direction: Direction
    starts_at: datetime
    before: int
    after: int
    booked: int

    @property
    def above(self) -> int:
        return max(0, self.booked - self.after)


async def set_slot_capacity(
    uow: UnitOfWork,
    code: str,
    direction: Direction,
    starts_at: datetime,
    capacity: int | None,
    *,
    confirmed: bool = True,
) -> CapacityChange:
    """Override one hour's capacity (None returns it to the ordinary day), and say how many
    of the hour's bookings are now above it.

    Unless ``confirmed``, a capacity below the hour's bookings is refused with
    BookingsAboveCapacity (the console's first post: the officer is asked first, and
    confirms knowing the bookings stay); the caller's savepoint then drops the change. The
    bookings are counted on the hour's slot row, locked until commit, so a booking made
    meanwhile waits for the new capacity and cannot slip past the count."""
    gate = await gate_by_code(uow, code)
    start = as_utc(starts_at)
    if start != floor_to_slot(start):
        raise ValidationFailed("a slot starts on the hour", field="starts_at")
    key = (gate.id, direction.value, start)
    before = await _capacity_of_hour(uow, gate, direction, start)
    existing = await uow.session.get(SlotOverride, key)
    if capacity is None:
        if existing is not None:
            await uow.session.delete(existing)
    elif existing is None:
        uow.session.add(
            SlotOverride(
                gate_id=gate.id, direction=direction.value, starts_at=start, capacity=capacity
            )
        )
    else:
        existing.capacity = capacity
    await uow.session.flush()
    end = start + SLOT_LENGTH
    await refresh_slot_capacities(uow, gate, [direction], start, end)
    after = await _capacity_of_hour(uow, gate, direction, start)
    change = CapacityChange(direction, start, before, after, await _booked(uow, gate, *key[1:]))
    if change.above and not confirmed:
        raise BookingsAboveCapacity(
            f"{change.booked} bookings hold this hour and the new capacity is {after}: "
            f"{change.above} would stay booked above it",
            booked=change.booked,
            capacity=after,
        )
    uow.record(_changed(gate, "hour", [direction], start, end, before=before, after=after))
    return change


async def _booked(uow: UnitOfWork, gate: Gate, direction: str, start: datetime) -> int:
    """The active bookings of one hour (its slot's count; 0 before its first booking), the
    slot row locked until commit."""
    query = (
        select(Slot.booked)
        .where(Slot.gate_id == gate.id, Slot.direction == direction, Slot.starts_at == start)
        .with_for_update()
    )
    return int(await uow.session.scalar(query) or 0)


async def add_closure(
    uow: UnitOfWork,
    code: str,
    direction: Direction | None,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
) -> Closure:
    gate = await gate_by_code(uow, code)
    start, end = as_utc(starts_at), as_utc(ends_at)
    if end <= start:
        raise ValidationFailed("a closure ends after it starts", field="ends_at")
    closure = Closure(
        gate_id=gate.id,
        direction=direction.value if direction else None,
        starts_at=start,
        ends_at=end,
        reason=reason,
    )
    uow.session.add(closure)
    await uow.session.flush()
    affected = [direction] if direction else list(Direction)
    await refresh_slot_capacities(uow, gate, affected, floor_to_slot(start), end)
    uow.record(
        _changed(gate, "closure_added", affected, floor_to_slot(start), end, after=0, reason=reason)
    )
    return closure


async def list_closures(uow: UnitOfWork, code: str, since: datetime) -> list[Closure]:
    gate = await gate_by_code(uow, code)
    query = select(Closure).where(Closure.gate_id == gate.id, Closure.ends_at > since)
    return list(await uow.session.scalars(query.order_by(Closure.starts_at)))


async def remove_closure(uow: UnitOfWork, code: str, closure_id: str) -> None:
    gate = await gate_by_code(uow, code)
    closure = await uow.session.get(Closure, closure_id)
    if closure is None or closure.gate_id != gate.id:
        raise NotFound("no such closure")
    span = (floor_to_slot(closure.starts_at), closure.ends_at)
    affected = [Direction(closure.direction)] if closure.direction else list(Direction)
    reason = closure.reason
    await uow.session.execute(delete(Closure).where(Closure.id == closure_id))
    await refresh_slot_capacities(uow, gate, affected, *span)
    uow.record(_changed(gate, "closure_removed", affected, *span, reason=reason))

"""The administrator's calendar changes that may leave hours over capacity (a direction's
schedule, one hour's capacity, a closure), each followed in the same transaction by fair
rebooking of the hours it touched (gate/bookings/rebooking.py). Here and not in
gate/gates/changes.py: the gates sit below the bookings (pyproject.toml, the import floors)
and may not move them. Removing a closure only adds places: nothing to rebook.

The rebooking's time is taken after the change has recorded its event (``max(now,
utc_now())``): the capacity.changed webhook lists the bookings moved at or after the change
(gate/gates/touched.py), so a move must not be stamped before it. ``now``: the caller's
clock (tests pass theirs), never later than the moment the rebooking runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gate.bookings.rebooking import Rebooked, rebook_over_capacity
from gate.domain.events import Actor
from gate.domain.slots import Direction
from gate.domain.time import SLOT_LENGTH, as_utc, floor_to_slot, utc_now
from gate.gates import changes
from gate.gates.calendar import gate_by_code
from gate.store.tables import Closure, GateDirection
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Moves:
    """What a change's rebooking did: the bookings ``moved`` to other hours and those
    ``cancelled`` for want of an acceptable hour with room."""

    moved: int = 0
    cancelled: int = 0

    @classmethod
    def of(cls, made: list[Rebooked]) -> Moves:
        cancelled = sum(1 for each in made if each.to_hour is None)
        return cls(len(made) - cancelled, cancelled)


async def set_schedule(
    uow: UnitOfWork,
    code: str,
    direction: Direction,
    hourly: tuple[int, int, int],
    now: datetime,
    horizon: timedelta,
    actor: Actor,
) -> tuple[GateDirection, Moves]:
    """``changes.set_schedule`` (``hourly``: capacity, opening and closing hour), then the
    rebooking of every future hour it changed."""
    capacity, opens_at, closes_at = hourly
    row = await changes.set_schedule(
        uow, code, direction, capacity, opens_at, closes_at, now, horizon
    )
    gate = await gate_by_code(uow, code)
    start = floor_to_slot(now)
    made = await rebook_over_capacity(
        uow,
        gate,
        [direction],
        start,
        start + horizon + timedelta(days=1),
        now=max(now, utc_now()),
        actor=actor,
        horizon=horizon,
        cause="schedule",
    )
    return row, Moves.of(made)


async def set_slot_capacity(
    uow: UnitOfWork,
    code: str,
    direction: Direction,
    starts_at: datetime,
    capacity: int | None,
    *,
    now: datetime,
    horizon: timedelta,
    actor: Actor,
    confirmed: bool = True,
) -> tuple[changes.CapacityChange, Moves]:
    """``changes.set_slot_capacity``, then the rebooking of its hour."""
    change = await changes.set_slot_capacity(
        uow, code, direction, starts_at, capacity, confirmed=confirmed
    )
    gate = await gate_by_code(uow, code)
    made = await rebook_over_capacity(
        uow,
        gate,
        [direction],
        change.starts_at,
        change.starts_at + SLOT_LENGTH,
        now=max(now, utc_now()),
        actor=actor,
        horizon=horizon,
        cause="hour",
    )
    return change, Moves.of(made)


async def add_closure(
    uow: UnitOfWork,
    code: str,
    direction: Direction | None,
    span: tuple[datetime, datetime],
    reason: str,
    *,
    now: datetime,
    horizon: timedelta,
    actor: Actor,
) -> tuple[Closure, Moves]:
    """``changes.add_closure`` over ``span`` (start, end), then the rebooking of its hours."""
    starts_at, ends_at = span
    closure = await changes.add_closure(uow, code, direction, starts_at, ends_at, reason)
    gate = await gate_by_code(uow, code)
    made = await rebook_over_capacity(
        uow,
        gate,
        [direction] if direction else list(Direction),
        floor_to_slot(as_utc(starts_at)),
        as_utc(ends_at),
        now=max(now, utc_now()),
        actor=actor,
        horizon=horizon,
        cause="closure_added",
    )
    return closure, Moves.of(made)

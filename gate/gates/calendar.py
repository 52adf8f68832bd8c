"""Reading the slot calendar from the store and keeping materialised slots in line with it.

The calendar decides an hour's bookable capacity: ours (the direction's day, the hour's
override, closures) or the partner gate's announced one when smaller (gate/domain/partner.py),
so availability, booking, slot materialisation, the boards and ``refresh_slot_capacities``
all read the same number."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select, update

from gate.domain.errors import NotFound, ValidationFailed
from gate.domain.partner import PartnerLimit, in_force
from gate.domain.slots import (
    Closure as ClosureRule,
)
from gate.domain.slots import (
    Direction,
    DirectionSchedule,
    SlotCapacity,
    capacity_of_slot,
)
from gate.domain.text import refused_character
from gate.domain.time import SLOT_LENGTH
from gate.store.tables import (
    Closure,
    Gate,
    GateDirection,
    PartnerAnnouncement,
    Slot,
    SlotOverride,
)
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Calendar:
    """Everything that decides the capacity of one direction's slots in a span of time."""

    direction: Direction
    schedule: DirectionSchedule
    overrides: dict[datetime, int]
    closures: list[ClosureRule]
    # The partner gate's announcements not withdrawn that touch the span (issue 18).
    partner: list[PartnerLimit] = field(default_factory=list)

    def capacity(self, slot_start: datetime) -> SlotCapacity:
        """The hour's bookable places: the smaller of ours and the partner's announced."""
        theirs = in_force(self.partner, slot_start, self.direction.value)
        return capacity_of_slot(
            slot_start,
            self.direction,
            self.schedule,
            self.overrides.get(slot_start),
            self.closures,
            theirs.capacity if theirs else None,
        )


async def gate_by_code(uow: UnitOfWork, code: str) -> Gate:
    """The gate with ``code``; NotFound otherwise. A code holding a character no text from
    outside may hold (gate/domain/text.py) names no gate and is not looked up: it comes from
    paths the request hook does not see too (a websocket's), and NUL fails PostgreSQL."""
    if refused_character(code) is not None:
        raise NotFound("no such gate")
    gate = await uow.session.scalar(select(Gate).where(Gate.code == code))
    if gate is None:
        raise NotFound(f"no gate {code!r}")
    return gate


def parse_direction(value: str) -> Direction:
    try:
        return Direction(value)
    except ValueError:
        raise ValidationFailed("direction is 'export' or 'import'", field="direction") from None


async def load_calendar(
    uow: UnitOfWork, gate: Gate, direction: Direction, start: datetime, end: datetime
) -> Calendar:
    """The calendar of ``[start, end)`` for one direction of a gate."""
    session = uow.session
    row = await session.get(GateDirection, (gate.id, direction.value))
    if row is None:
        raise NotFound(f"gate {gate.code!r} takes no {direction.value} traffic")
    overrides = await session.execute(
        select(SlotOverride.starts_at, SlotOverride.capacity).where(
            SlotOverride.gate_id == gate.id,
            SlotOverride.direction == direction.value,
            SlotOverride.starts_at >= start,
            SlotOverride.starts_at < end,
        )
    )
    closures = await session.scalars(
        select(Closure).where(
            Closure.gate_id == gate.id,
            Closure.starts_at < end,
            Closure.ends_at > start,
        )
    )
    return Calendar(
        direction=direction,
        schedule=DirectionSchedule(row.hourly_capacity, row.opens_at, row.closes_at),
        overrides={starts_at: capacity for starts_at, capacity in overrides.all()},
        closures=[
            ClosureRule(
                c.starts_at, c.ends_at, c.reason, Direction(c.direction) if c.direction else None
            )
            for c in closures
        ],
        partner=await partner_limits(uow, gate, direction, start, end),
    )


async def partner_limits(
    uow: UnitOfWork, gate: Gate, direction: Direction, start: datetime, end: datetime
) -> list[PartnerLimit]:
    """The partner gate's announcements for ``direction`` (or both) touching ``[start, end)``
    and not withdrawn: those the calendar takes the smaller capacity from."""
    rows = await uow.session.execute(
        select(
            PartnerAnnouncement.starts_at,
            PartnerAnnouncement.ends_at,
            PartnerAnnouncement.capacity,
            PartnerAnnouncement.announced_at,
            PartnerAnnouncement.created_at,
            PartnerAnnouncement.direction,
        ).where(
            PartnerAnnouncement.gate_id == gate.id,
            PartnerAnnouncement.ends_at > start,
            PartnerAnnouncement.starts_at < end,
            PartnerAnnouncement.withdrawn_at.is_(None),
            or_(
                PartnerAnnouncement.direction.is_(None),
                PartnerAnnouncement.direction == direction.value,
            ),
        )
    )
    return [PartnerLimit(*row) for row in rows.all()]


async def refresh_slot_capacities(
    uow: UnitOfWork,
    gate: Gate,
    directions: Sequence[Direction],
    start: datetime,
    end: datetime,
) -> int:
    """After a calendar change, give every materialised slot of ``directions`` in the span
    its new capacity; how many changed.

    A slot may end up with more booked than places (a closure after bookings): it then takes
    no new booking, and the bookings already made stay until moved or cancelled. The rows of
    every direction are changed in one pass in id order, the lock order of slot rows
    (docs/architecture.md): in time order, a new capacity for the day deadlocked with a
    reschedule between two of its hours.
    """
    calendars = {d.value: await load_calendar(uow, gate, d, start, end) for d in directions}
    slots = await uow.session.execute(
        select(Slot.id, Slot.direction, Slot.starts_at, Slot.capacity)
        .where(
            Slot.gate_id == gate.id,
            Slot.direction.in_(list(calendars)),
            Slot.starts_at >= start,
            Slot.starts_at < end,
        )
        .order_by(Slot.id)
    )
    changed = 0
    for slot_id, direction, starts_at, capacity in slots.all():
        new_capacity = calendars[direction].capacity(starts_at).capacity
        if new_capacity != capacity:
            await uow.session.execute(
                update(Slot).where(Slot.id == slot_id).values(capacity=new_capacity)
            )
            changed += 1
    return changed


def hours_between(start: datetime, end: datetime) -> list[datetime]:
    hours = []
    current = start
    while current < end:
        hours.append(current)
        current += SLOT_LENGTH
    return hours

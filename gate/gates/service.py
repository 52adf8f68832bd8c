"""Gates, lanes and the slot calendar: public reads and the administrator's changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from gate.domain.errors import AlreadyExists, ValidationFailed
from gate.domain.events import GateRulesChanged
from gate.domain.fees import default_series
from gate.domain.queue import ServiceCycle
from gate.domain.slots import (
    Direction,
    booking_refusal,
    check_opening_hours,
    remaining_places,
)
from gate.domain.time import SLOT_LENGTH, floor_to_slot
from gate.gates.calendar import gate_by_code, hours_between, load_calendar
from gate.store.tables import Gate, GateDirection, Lane, Slot
from gate.store.unit_of_work import UnitOfWork

MAX_AVAILABILITY_HOURS = 24 * 31


async def list_gates(uow: UnitOfWork) -> list[Gate]:
    return list(await uow.session.scalars(select(Gate).order_by(Gate.code)))


async def gate_details(uow: UnitOfWork, code: str) -> tuple[Gate, list[GateDirection], list[Lane]]:
    gate = await gate_by_code(uow, code)
    directions = await uow.session.scalars(
        select(GateDirection).where(GateDirection.gate_id == gate.id)
    )
    lanes = await uow.session.scalars(
        select(Lane).where(Lane.gate_id == gate.id).order_by(Lane.code)
    )
    return gate, list(directions), list(lanes)


@dataclass(frozen=True, slots=True)
class SlotAvailability:
    """One hour as a booker sees it: ``remaining`` are the places a booking can take now
    (0 when ``refusal``, what a booking of the hour would be told, is set: past, beyond the
    horizon, closed, full; the portal's calendar says full and closed hours in words,
    gate/bookings/calendar.py); ``capacity`` and ``booked`` are the hour's own counts;
    ``limited_by`` is ``"partner"`` when the partner gate's announced capacity is what limits
    the hour (gate/domain/partner.py), None when ours does."""

    direction: Direction
    starts_at: datetime
    capacity: int
    booked: int
    remaining: int
    closed_reason: str | None
    refusal: str | None = None
    limited_by: str | None = None


async def availability(
    uow: UnitOfWork,
    code: str,
    directions: list[Direction],
    start: datetime,
    hours: int,
    *,
    now: datetime,
    horizon: timedelta,
) -> list[SlotAvailability]:
    """Places of each hour in ``[start, start + hours)``: materialised slots as stored, the
    others as the calendar would create them, each judged by the rule booking applies at
    ``now`` with the booking ``horizon`` (``gate.domain.slots.booking_refusal``)."""
    if not 1 <= hours <= MAX_AVAILABILITY_HOURS:
        raise ValidationFailed(f"hours is between 1 and {MAX_AVAILABILITY_HOURS}", field="hours")
    gate = await gate_by_code(uow, code)
    begin = floor_to_slot(start)
    end = begin + hours * SLOT_LENGTH
    result: list[SlotAvailability] = []
    for direction in directions:
        result += await judged_hours(uow, gate, direction, begin, end, now=now, horizon=horizon)
    return result


async def judged_hours(
    uow: UnitOfWork,
    gate: Gate,
    direction: Direction,
    begin: datetime,
    end: datetime,
    *,
    now: datetime,
    horizon: timedelta,
) -> list[SlotAvailability]:
    """The hours of one direction in ``[begin, end)`` (``begin`` on the hour) as a booker
    would find them at ``now``: the one place availability and the live board's free places
    read them, so that neither offers an hour booking refuses."""
    calendar = await load_calendar(uow, gate, direction, begin, end)
    stored = {
        row.starts_at: row
        for row in await uow.session.scalars(
            select(Slot).where(
                Slot.gate_id == gate.id,
                Slot.direction == direction.value,
                Slot.starts_at >= begin,
                Slot.starts_at < end,
            )
        )
    }
    result: list[SlotAvailability] = []
    for hour in hours_between(begin, end):
        planned = calendar.capacity(hour)
        slot = stored.get(hour)
        capacity = slot.capacity if slot else planned.capacity
        booked = slot.booked if slot else 0
        closed_reason = planned.closed_reason if capacity == 0 else None
        refusal = booking_refusal(hour, now, capacity, booked, closed_reason, horizon)
        result.append(
            SlotAvailability(
                direction=direction,
                starts_at=hour,
                capacity=capacity,
                booked=booked,
                remaining=0 if refusal else remaining_places(capacity, booked),
                closed_reason=closed_reason,
                refusal=refusal.detail if refusal else None,
                limited_by=planned.limited_by if capacity == planned.capacity else None,
            )
        )
    return result


@dataclass(frozen=True, slots=True)
class NewGate:
    code: str
    name: str
    name_en: str
    counterpart: str
    province: str
    kind: str
    export_capacity: int
    import_capacity: int
    opens_at: int = 0
    closes_at: int = 24
    # WGS 84 degrees of the gate's control yard, when known (the driver's page estimates
    # arrival from them).
    latitude: float | None = None
    longitude: float | None = None
    # The name in Chinese (the pages in Chinese show name_en without one).
    name_zh: str | None = None


async def create_gate(uow: UnitOfWork, new: NewGate) -> Gate:
    """A new gate with both directions on the same ordinary day (``check_opening_hours``);
    ValidationFailed (422) for a latitude without a longitude or the reverse."""
    check_opening_hours(new.opens_at, new.closes_at)
    _check_location(new.latitude, new.longitude)
    if await uow.session.scalar(select(Gate.id).where(Gate.code == new.code)):
        raise AlreadyExists(f"gate {new.code!r} exists")
    gate = Gate(
        code=new.code,
        name=new.name,
        name_en=new.name_en,
        name_zh=new.name_zh,
        counterpart=new.counterpart,
        province=new.province,
        kind=new.kind,
        latitude=new.latitude,
        longitude=new.longitude,
        invoice_series=default_series(new.code),
    )
    uow.session.add(gate)
    await uow.session.flush()
    for direction, capacity in (
        (Direction.EXPORT, new.export_capacity),
        (Direction.IMPORT, new.import_capacity),
    ):
        uow.session.add(
            GateDirection(
                gate_id=gate.id,
                direction=direction.value,
                hourly_capacity=capacity,
                opens_at=new.opens_at,
                closes_at=new.closes_at,
            )
        )
    await uow.session.flush()
    return gate


async def add_lane(uow: UnitOfWork, code: str, lane_code: str, direction: Direction) -> Lane:
    gate = await gate_by_code(uow, code)
    exists = await uow.session.scalar(
        select(Lane.id).where(Lane.gate_id == gate.id, Lane.code == lane_code)
    )
    if exists:
        raise AlreadyExists(f"lane {lane_code!r} exists at {code!r}")
    lane = Lane(gate_id=gate.id, code=lane_code, direction=direction.value, is_open=True)
    uow.session.add(lane)
    await uow.session.flush()
    return lane


async def gate_codes(uow: UnitOfWork) -> dict[str, str]:
    """Gate id to code; gates are few, so one small query serves a whole page of bookings."""
    rows = await uow.session.execute(select(Gate.id, Gate.code))
    return {gate_id: code for gate_id, code in rows}


@dataclass(frozen=True, slots=True)
class YardRules:
    """How a gate runs its yard: the priority cycle, the grace windows, the call timeout."""

    service_cycle: str
    grace_early_minutes: int
    grace_late_minutes: int
    call_timeout_minutes: int


async def set_yard_rules(uow: UnitOfWork, code: str, rules: YardRules) -> Gate:
    gate = await gate_by_code(uow, code)
    # Parsed here so a bad cycle is refused now, not when the next vehicle is called.
    gate.service_cycle = str(ServiceCycle.parse(rules.service_cycle))
    gate.grace_early_minutes = rules.grace_early_minutes
    gate.grace_late_minutes = rules.grace_late_minutes
    gate.call_timeout_minutes = rules.call_timeout_minutes
    await uow.session.flush()
    uow.record(GateRulesChanged(gate=gate.code))
    return gate


def _check_location(latitude: float | None, longitude: float | None) -> None:
    # A point needs both; one alone would place the gate nowhere the estimate could use.
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        raise ValidationFailed("latitude and longitude are given together", field=missing)


async def set_location(
    uow: UnitOfWork, code: str, latitude: float | None, longitude: float | None
) -> Gate:
    """Place gate ``code``'s control yard at (``latitude``, ``longitude``), WGS 84 degrees
    (ranges checked by the API's input), or take it off the map with both None. The driver's
    page estimates arrival at the gate from it (gate/domain/geo.py). NotFound (404) for an
    unknown gate; ValidationFailed (422) for one coordinate without the other."""
    _check_location(latitude, longitude)
    gate = await gate_by_code(uow, code)
    gate.latitude = latitude
    gate.longitude = longitude
    await uow.session.flush()
    uow.record(GateRulesChanged(gate=gate.code))
    return gate

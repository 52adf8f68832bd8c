"""What the console's page shows beyond the officer board (issue 16): each truck's cargo,
declaration, enterprise, driver and where each agency stands (gate/yard/details.py: one
statement for all the yard part's trucks); which lanes a truck holds (one truck per lane
unless forced); the next hours with their capacity and bookings; a capacity change waiting
for confirmation (services/web/console_details.py sends it here); the notices on the board.
Officers only: the driver's name and phone are personal data."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from litestar import Request

from gate.accounts.permissions import Action, allowed, at_gate
from gate.accounts.principal import Officer
from gate.bookings import declarations
from gate.domain.errors import ValidationFailed
from gate.domain.slots import Direction
from gate.domain.time import SLOT_LENGTH, as_local, as_utc, floor_to_slot
from gate.fees.reads import fees_of
from gate.gates.service import SlotAvailability, judged_hours
from gate.live.messages import YardEntry
from gate.notices import service as notices
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork
from gate.yard.details import truck_details
from gate.yard.service import LANE_HOLDING_STATUSES
from services.api.gates.schemas import CapacityOverride
from services.web.declaration_words import OFFICERS_ACTORS, version_words
from services.web.forms import decode_form
from services.web.i18n import Translator

CAPACITY_HOURS = 24  # the hours the console's capacity form offers, from this one


async def yard_part_details(
    uow: UnitOfWork,
    gate: Gate,
    waiting: list[YardEntry],
    at_lanes: list[YardEntry],
    t: Translator,
) -> dict[str, Any]:
    """The yard part's context beyond the board: ``details`` (TruckDetails by booking id, one
    statement), ``fees`` (each truck's fee by booking id, one statement: the yard itself
    reads no fee, only ``bookings.fee_unpaid``), ``declarations`` (the versions of each
    amended truck's declaration in ``t``'s words, by booking id: one statement, and one for
    their drivers' names) and
    ``lane_holders`` (lane code to the truck holding it: called there or under inspection;
    the earliest called when a forced call put two there)."""
    trucks = [*waiting, *at_lanes]
    holders: dict[str, YardEntry] = {}
    for truck in at_lanes:
        if truck.lane and truck.status in LANE_HOLDING_STATUSES:
            holders.setdefault(truck.lane, truck)
    ids = [truck.booking_id for truck in trucks]
    amended = await declarations.versions_of(uow, ids)
    names = await declarations.driver_names(uow, [v for vs in amended.values() for v in vs])
    return {
        "details": await truck_details(uow, gate.id, ids),
        "fees": await fees_of(uow, ids),
        "declarations": {
            booking_id: version_words(versions, names, t, OFFICERS_ACTORS)
            for booking_id, versions in amended.items()
        },
        "lane_holders": holders,
    }


@dataclass(frozen=True, slots=True)
class CapacityQuestion:
    """A capacity change waiting for the officer's confirmation: the hour (local time), the
    capacity asked and the hour's bookings now; ``above``: the bookings beyond the capacity
    asked, which would stay booked."""

    starts_at: datetime
    capacity: int
    booked: int

    @property
    def above(self) -> int:
        return max(0, self.booked - self.capacity)


async def page_details(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    who: Officer,
    gate: Gate,
    direction: Direction,
    now: datetime,
    horizon: timedelta,
) -> dict[str, Any]:
    """The whole page's context beyond the yard part, for the forms ``who`` may use here:
    ``capacity_hours`` (the next CAPACITY_HOURS hours with their capacity and bookings) and
    ``capacity_question`` (a change to confirm, from the query; None without one) for those
    who change capacity, ``notices`` (those on the board now) for those who post them. A
    question's values the capacity form would refuse are refused here too (422)."""
    here = at_gate(gate.id)
    context: dict[str, Any] = {"capacity_hours": [], "capacity_question": None, "notices": []}
    if allowed(who, Action.OVERRIDE_CAPACITY, here):
        start = floor_to_slot(now)
        end = start + CAPACITY_HOURS * SLOT_LENGTH
        hours = await judged_hours(uow, gate, direction, start, end, now=now, horizon=horizon)
        context["capacity_hours"] = [_local_hour(h) for h in hours]
        context["capacity_question"] = await _question(request, uow, gate, direction, now, horizon)
    if allowed(who, Action.POST_NOTICES, here):
        context["notices"] = await notices.active_notices(uow, gate, now)
    return context


def _local_hour(hour: SlotAvailability) -> SlotAvailability:
    return replace(hour, starts_at=as_local(hour.starts_at))


async def _question(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    gate: Gate,
    direction: Direction,
    now: datetime,
    horizon: timedelta,
) -> CapacityQuestion | None:
    asked = {
        "starts_at": request.query_params.get("capacity_at") or "",
        "capacity": request.query_params.get("capacity") or "",
    }
    if not any(asked.values()):
        return None
    form = decode_form(asked, CapacityOverride, direction=direction.value)
    if form.capacity is None:
        raise ValidationFailed("capacity is required", field="capacity")
    hour = as_utc(form.starts_at)
    if hour != floor_to_slot(hour):  # the form offers whole hours only, as the API takes
        raise ValidationFailed("a slot starts on the hour", field="starts_at")
    [figures] = await judged_hours(
        uow, gate, direction, hour, hour + SLOT_LENGTH, now=now, horizon=horizon
    )
    return CapacityQuestion(as_local(hour), form.capacity, figures.booked)

"""What an officer needs to decide on a truck, for every truck the console lists at once: its
cargo, HS code and customs declaration, the enterprise that booked it, its driver, and where
each required agency stands (its latest decision and when). For officers only: the driver's
name and phone are personal data, never on a public board or channel.

One statement for all the trucks, however many (the console lists the head of the queue, up
to 200, and the trucks at the lanes): the booking joined to its enterprise, driver and
clearance decisions, the decisions folded per booking here. A query per truck would make the
console's refresh cost a round trip per truck of a crisis yard."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select

from gate.domain.clearance import Agency, required_agencies
from gate.store.tables import Booking, ClearanceDecisionRow, Driver, Enterprise
from gate.store.unit_of_work import UnitOfWork

# The order the agencies are shown in: the order a truck meets them at the lane.
AGENCY_ORDER = (Agency.BORDER_GUARD, Agency.CUSTOMS, Agency.QUARANTINE)


@dataclass(frozen=True, slots=True)
class AgencyStep:
    """One agency on one truck: its latest decision (``cleared``, ``held``, ``rejected``; None
    while it has not decided), when (UTC), the customs channel it gave and its reason; and
    whether the truck's cargo needs this agency at all (``required``)."""

    agency: str
    required: bool
    decision: str | None = None
    decided_at: datetime | None = None
    channel: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class TruckDetails:
    """A truck as the officers see it beside the queue. A walk-in has no enterprise, driver
    or declared cargo (None), and needs every agency. ``weight_kg`` in kilograms; ``hs_code``
    as stored (digits only)."""

    booking_id: str
    walk_in: bool
    cargo_description: str | None
    weight_kg: float | None
    perishable: bool
    hs_code: str | None
    declaration_number: str | None
    enterprise_name: str | None
    enterprise_tax_code: str | None
    driver_name: str | None
    driver_phone: str | None
    agencies: tuple[AgencyStep, ...]


async def truck_details(
    uow: UnitOfWork, gate_id: str, booking_ids: Collection[str]
) -> dict[str, TruckDetails]:
    """The details of each of ``booking_ids`` that is a booking of the gate ``gate_id``, by
    booking id (ids of another gate are left out: a page lists its own gate's trucks only).
    One statement; none for no ids."""
    if not booking_ids:
        return {}
    query = (
        select(
            Booking.id,
            Booking.walk_in,
            Booking.cargo_description,
            Booking.weight_kg,
            Booking.perishable,
            Booking.hs_code,
            Booking.declaration_number,
            Enterprise.name,
            Enterprise.tax_code,
            Driver.full_name,
            Driver.phone,
            ClearanceDecisionRow.agency,
            ClearanceDecisionRow.decision,
            ClearanceDecisionRow.decided_at,
            ClearanceDecisionRow.channel,
            ClearanceDecisionRow.reason,
        )
        .select_from(Booking)
        .outerjoin(Enterprise, Enterprise.id == Booking.enterprise_id)
        .outerjoin(Driver, Driver.id == Booking.driver_id)
        .outerjoin(ClearanceDecisionRow, ClearanceDecisionRow.booking_id == Booking.id)
        .where(Booking.gate_id == gate_id, Booking.id.in_(sorted(set(booking_ids))))
        # Oldest decision first: each agency's latest is the last one folded in.
        .order_by(Booking.id, ClearanceDecisionRow.decided_at, ClearanceDecisionRow.id)
    )
    trucks: dict[str, TruckDetails] = {}
    decided: dict[str, dict[str, AgencyStep]] = {}
    for row in await uow.session.execute(query):
        if row.id not in trucks:
            trucks[row.id] = TruckDetails(
                booking_id=row.id,
                walk_in=row.walk_in,
                cargo_description=row.cargo_description,
                weight_kg=row.weight_kg,
                perishable=row.perishable,
                hs_code=row.hs_code,
                declaration_number=row.declaration_number,
                enterprise_name=row.name,
                enterprise_tax_code=row.tax_code,
                driver_name=row.full_name,
                driver_phone=row.phone,
                agencies=(),
            )
            decided[row.id] = {}
        if row.agency is not None:
            decided[row.id][row.agency] = AgencyStep(
                row.agency, True, row.decision, row.decided_at, row.channel, row.reason
            )
    return {
        booking_id: _with_agencies(truck, decided[booking_id])
        for booking_id, truck in trucks.items()
    }


def _with_agencies(truck: TruckDetails, decided: dict[str, AgencyStep]) -> TruckDetails:
    """``truck`` with a step for each agency its cargo needs, in AGENCY_ORDER (undecided ones
    too), and any other agency that decided on it all the same (not required: said so)."""
    required = required_agencies(
        truck.perishable, truck.hs_code, declared=truck.cargo_description is not None
    )
    steps = []
    for agency in AGENCY_ORDER:
        step = decided.get(agency.value)
        if agency in required:
            steps.append(step or AgencyStep(agency.value, True))
        elif step is not None:
            steps.append(replace(step, required=False))
    return replace(truck, agencies=tuple(steps))

"""The administration's transfer of a vehicle to another holder (sold, or held by the wrong
enterprise), on the evidence of its registration certificate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from gate.bookings.service import cancel_locked, lock_booking
from gate.domain.bookings import BookingStatus
from gate.domain.errors import Conflict, NotFound, RegistrationMismatch
from gate.domain.events import Actor, Fact, VehicleTransferred
from gate.domain.holders import normalise_registration_number
from gate.domain.plates import parse_plate
from gate.fleet.grants import revoke
from gate.store.tables import Booking, Enterprise, Vehicle, VehicleGrant
from gate.store.unit_of_work import UnitOfWork

# What the former holder and its grantees read on the bookings a transfer cancels: that the
# truck changed hands, not to whom.
BOOKING_CANCEL_REASON = "the vehicle was transferred to another holder by the administration"
GRANT_REVOKE_REASON = "the vehicle was transferred to another holder"


@dataclass(frozen=True, slots=True)
class Transfer:
    plate: str
    new_holder_id: str
    registration_number: str
    reason: str


@dataclass(frozen=True, slots=True)
class TransferDone:
    vehicle: Vehicle
    former_holder_id: str
    grants_revoked: list[str]
    bookings_cancelled: list[Booking]


async def transfer_vehicle(
    uow: UnitOfWork, transfer: Transfer, now: datetime, actor: Actor
) -> TransferDone:
    """Move the vehicle with ``transfer.plate`` to ``transfer.new_holder_id``.

    The certificate number must be the vehicle's (RegistrationMismatch otherwise); a vehicle
    registered without one takes the number given, the administration having seen the
    certificate. Then every unrevoked grant on the vehicle is revoked, and every booking of it
    still ``booked`` (not arrived) is cancelled with a reason, freeing its place, unless it is
    the new holder's own (made under a grant, it now books its own truck). A truck already in
    the yard keeps its place: it is at the gate, and stopping it there helps no one.

    NotFound for an unknown plate or enterprise; Conflict when the enterprise holds it already.
    Audited: vehicle.transferred and vehicle.grant_revoked in the vehicle's chain, each
    booking.cancelled in its gate's chain."""
    plate = parse_plate(transfer.plate)
    number = normalise_registration_number(transfer.registration_number)
    # Locked FOR UPDATE: a booking of this truck being made waits (gate/fleet/grants.py) and
    # then sees the new holder, so none slips in behind the cancellations below.
    vehicle = await uow.session.scalar(
        select(Vehicle)
        .where(Vehicle.plate == plate.normalised)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if vehicle is None:
        raise NotFound("no such vehicle")
    if await uow.session.get(Enterprise, transfer.new_holder_id) is None:
        raise NotFound("no such enterprise")
    if vehicle.enterprise_id == transfer.new_holder_id:
        raise Conflict("that enterprise holds the vehicle already")
    if vehicle.registration_number is not None and vehicle.registration_number != number:
        raise RegistrationMismatch(
            "the registration certificate number is not the one on record for this vehicle"
        )
    former = vehicle.enterprise_id
    vehicle.registration_number = number
    vehicle.enterprise_id = transfer.new_holder_id

    grants = await uow.session.scalars(
        select(VehicleGrant)
        .where(VehicleGrant.vehicle_id == vehicle.id, VehicleGrant.revoked_at.is_(None))
        .order_by(VehicleGrant.created_at, VehicleGrant.id)
        .with_for_update()
    )
    revoked = []
    for grant in grants:
        revoke(uow, grant, GRANT_REVOKE_REASON, now, actor)
        revoked.append(grant.id)

    cancelled = []
    candidates = await uow.session.scalars(
        select(Booking.id)
        .where(
            Booking.vehicle_id == vehicle.id,
            Booking.status == BookingStatus.BOOKED.value,
            Booking.enterprise_id != transfer.new_holder_id,
        )
        .order_by(Booking.slot_start, Booking.id)
    )
    for booking_id in list(candidates):
        booking = await lock_booking(uow, booking_id)
        # Read again under the lock: it may have arrived at the gate meanwhile.
        if booking is None or booking.status != BookingStatus.BOOKED.value:
            continue
        facts: dict[str, Fact] = {"cause": "vehicle_transferred"}
        await cancel_locked(uow, booking, BOOKING_CANCEL_REASON, now, actor, facts)
        cancelled.append(booking)

    await uow.session.flush()
    uow.record(
        VehicleTransferred(
            vehicle_id=vehicle.id,
            enterprise_id=transfer.new_holder_id,
            actor=actor,
            reason=transfer.reason,
            facts={
                "from_holder_id": former,
                "grants_revoked": len(revoked),
                "bookings_cancelled": len(cancelled),
            },
        )
    )
    return TransferDone(vehicle, former, revoked, cancelled)

"""Inspection at the lane, each agency's decision, and the exit across the border."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from gate.bookings.transitions import event_fields, move
from gate.domain.bookings import BookingStatus
from gate.domain.clearance import (
    DECIDING_AGENCIES,
    Agency,
    AgencyDecision,
    ClearanceState,
    CustomsChannel,
    Decision,
    clearance_state,
    required_agencies,
)
from gate.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from gate.domain.events import Actor, ClearanceDecided, Fact, InspectionStarted, VehicleExited
from gate.store.tables import Booking, ClearanceDecisionRow, Gate
from gate.store.unit_of_work import UnitOfWork


async def vehicle_at_gate(uow: UnitOfWork, gate: Gate, booking_id: str) -> Booking:
    """A booking of this gate, locked for the change about to be made."""
    booking = await uow.session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if booking is None or booking.gate_id != gate.id:
        raise NotFound("no such vehicle at this gate")
    return booking


def agencies_for(booking: Booking) -> frozenset[Agency]:
    return required_agencies(
        booking.perishable, booking.hs_code, declared=booking.cargo_description is not None
    )


async def decisions_on(uow: UnitOfWork, booking_id: str) -> list[ClearanceDecisionRow]:
    query = select(ClearanceDecisionRow).where(ClearanceDecisionRow.booking_id == booking_id)
    return list(await uow.session.scalars(query.order_by(ClearanceDecisionRow.decided_at)))


async def start_inspection(
    uow: UnitOfWork, gate: Gate, booking_id: str, actor: Actor, now: datetime
) -> Booking:
    """The called vehicle has reached its lane."""
    booking = await vehicle_at_gate(uow, gate, booking_id)
    booking.inspection_started_at = now
    move(uow, booking, gate, BookingStatus.IN_INSPECTION, InspectionStarted, actor)
    await uow.session.flush()
    return booking


@dataclass(frozen=True, slots=True)
class DecisionInput:
    decision: Decision
    reason: str | None = None
    channel: CustomsChannel | None = None


async def record_decision(
    uow: UnitOfWork,
    gate: Gate,
    booking_id: str,
    agency: Agency,
    decided: DecisionInput,
    officer_id: str,
    actor: Actor,
    now: datetime,
) -> Booking:
    """One agency's decision; the vehicle's state follows what all decisions add up to."""
    if agency not in DECIDING_AGENCIES:
        raise Forbidden(f"{agency.value} officers do not decide on clearance")
    if decided.decision in {Decision.HELD, Decision.REJECTED} and not decided.reason:
        raise ValidationFailed(
            "a hold or a rejection needs a reason", why="reason-needed", field="reason"
        )
    if decided.channel is not None and agency is not Agency.CUSTOMS:
        raise ValidationFailed("only customs assigns a channel", field="channel")
    booking = await vehicle_at_gate(uow, gate, booking_id)
    status = BookingStatus(booking.status)
    if status not in {BookingStatus.IN_INSPECTION, BookingStatus.HELD}:
        raise Conflict(
            f"the vehicle is {status.value}, not at a lane for inspection", why="not-at-lane"
        )
    required = agencies_for(booking)
    if agency not in required:
        raise Conflict(
            f"{agency.value} is not required for this vehicle's cargo", why="agency-not-required"
        )
    uow.session.add(
        ClearanceDecisionRow(
            booking_id=booking.id,
            agency=agency.value,
            decision=decided.decision.value,
            channel=decided.channel.value if decided.channel else None,
            reason=decided.reason,
            officer_id=officer_id,
            decided_at=now,
        )
    )
    if decided.channel is not None:
        booking.customs_channel = decided.channel.value
    await uow.session.flush()
    rows = await decisions_on(uow, booking.id)
    state = clearance_state(
        required, [AgencyDecision(Agency(r.agency), Decision(r.decision), r.reason) for r in rows]
    )
    target = {
        ClearanceState.PENDING: BookingStatus.IN_INSPECTION,
        ClearanceState.HELD: BookingStatus.HELD,
        ClearanceState.CLEARED: BookingStatus.CLEARED,
        ClearanceState.REJECTED: BookingStatus.REJECTED,
    }[state]
    facts: dict[str, Fact] = {"agency": agency.value, "decision": decided.decision.value}
    if decided.channel is not None:
        facts["channel"] = decided.channel.value
    booking.status_reason = decided.reason if target is not BookingStatus.IN_INSPECTION else None
    if target is status:
        # A decision that leaves the state as it was is audited all the same.
        booking.version += 1
        uow.record(
            ClearanceDecided(
                **event_fields(booking, gate),
                from_status=status.value,
                to_status=status.value,
                actor=actor,
                reason=decided.reason,
                facts=facts,
            )
        )
    else:
        move(uow, booking, gate, target, ClearanceDecided, actor, decided.reason, facts)
    await uow.session.flush()
    return booking


async def record_exit(
    uow: UnitOfWork, gate: Gate, booking_id: str, actor: Actor, now: datetime
) -> Booking:
    """The vehicle leaves across the border: only once every required agency cleared it."""
    booking = await vehicle_at_gate(uow, gate, booking_id)
    if booking.status != BookingStatus.CLEARED.value:
        rows = await decisions_on(uow, booking.id)
        cleared = {r.agency for r in rows if r.decision == Decision.CLEARED.value}
        missing = sorted(a.value for a in agencies_for(booking) if a.value not in cleared)
        raise Conflict(
            f"the vehicle is {booking.status} and cannot exit; not yet cleared by: "
            + (", ".join(missing) or "-"),
            why="not-cleared-yet",
            missing_clearances=missing,
        )
    booking.exited_at = now
    move(uow, booking, gate, BookingStatus.EXITED, VehicleExited, actor)
    await uow.session.flush()
    return booking

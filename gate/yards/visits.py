"""Trucks in and out of a waiting yard (gate/domain/yards.py): a truck checks in as a visit,
for its booking's gate when it has one, or as a walk-in; it goes out waiting (the visit ends,
``left``) or dispatched (on its way to the gate, ``en_route``). Shared by the yard's devices
(gate/yards/checkins.py) and its staff checking trucks in and out by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from gate.domain.bookings import BookingStatus, is_active, normalise_code
from gate.domain.errors import Conflict, NotFound, ValidationFailed
from gate.domain.events import Actor, TruckEnteredYard, TruckLeftYard
from gate.domain.plates import check_truck, parse_plate
from gate.domain.queue import QueueClass, queue_class_of
from gate.domain.slots import Direction
from gate.domain.time import as_local
from gate.domain.yards import (
    IN_YARD,
    AlreadyAtGate,
    AlreadyInYard,
    VisitStatus,
    YardClosed,
    YardFull,
    check_visit_move,
    has_room,
    is_open_at,
)
from gate.store.tables import Booking, Enterprise, Gate, Yard, YardVisit
from gate.store.unit_of_work import UnitOfWork
from gate.yards.service import gate_ids_of, in_yard


@dataclass(frozen=True, slots=True)
class Truck:
    """A truck as read or typed, its plates checked and normalised: a tractor's ``plate``
    and/or a ``booking_code``, and the ``trailer_plate`` it tows, if read."""

    plate: str | None
    booking_code: str | None
    trailer_plate: str | None = None


def check_truck_read(
    plate: str | None, booking_code: str | None, trailer_plate: str | None
) -> Truck:
    """The truck a read stands for, by the plate rules (gate.domain.plates): InvalidPlate
    (422) for what is no plate; ValidationFailed (422) for a tractor read that is a trailer's
    plate, a trailer read that is not, or a read with neither plate nor booking code (a
    trailer alone is no truck)."""
    if plate is None and booking_code is None:
        raise ValidationFailed(
            "give the tractor's plate or a booking code (a trailer alone is not a truck)",
            field="plate",
        )
    trailer = parse_plate(trailer_plate) if trailer_plate is not None else None
    tractor = parse_plate(plate) if plate is not None else None
    if tractor is not None:
        check_truck(tractor, trailer)
    elif trailer is not None and not trailer.is_trailer:
        raise ValidationFailed(
            "trailer_plate is not a trailer's plate (R series, or 挂)", field="trailer_plate"
        )
    return Truck(
        tractor.normalised if tractor else None,
        normalise_code(booking_code) if booking_code is not None else None,
        trailer.normalised if trailer else None,
    )


@dataclass(frozen=True, slots=True)
class WalkInTo:
    """Where a walk-in (a truck without a booking) is heading: the reading device's gate and
    direction, or those typed by the yard's staff; either may be unknown."""

    gate_id: str | None = None
    direction: Direction | None = None


async def _booking_of(uow: UnitOfWork, truck: Truck) -> Booking | None:
    """The truck's booking still to be used (status booked): by its code, else by the
    booking holding the tractor's or the trailer's plate (``active_plate``). AlreadyAtGate
    (409) for a truck whose booking is past ``booked`` but still holds its plates: it is in the
    gate's control yard (or at a lane) already, and cannot wait in a yard too."""
    found: Booking | None = None
    if truck.booking_code is not None:
        found = await uow.session.scalar(select(Booking).where(Booking.code == truck.booking_code))
        if found is not None and not is_active(BookingStatus(found.status)):
            found = None  # cancelled, lapsed or done: the code names nothing to wait for
        if found is None and truck.plate is None:
            raise NotFound("no booking still to be used has that code")
    held = [Booking.active_plate == truck.plate] if truck.plate is not None else []
    if truck.trailer_plate is not None:
        held.append(Booking.active_trailer_plate == truck.trailer_plate)
    if found is None and held:
        found = await uow.session.scalar(select(Booking).where(or_(*held)))
    if found is not None and found.status != BookingStatus.BOOKED.value:
        raise AlreadyAtGate(
            "the truck is checked in at its gate already (in the control yard): it cannot "
            "wait in a yard too"
        )
    return found


async def _walk_in_gate(uow: UnitOfWork, yard: Yard, to: WalkInTo) -> tuple[str, str]:
    served = await gate_ids_of(uow, yard.id)
    gate_id = to.gate_id
    if gate_id is None:
        if len(served) != 1:
            raise ValidationFailed(
                "the yard serves several gates: a truck without a booking needs the gate it "
                "is heading for (give gate and direction, or read it at a device that names one)",
                field="gate",
            )
        (gate_id,) = served
    elif gate_id not in served:
        raise ValidationFailed("the yard does not serve that gate", field="gate")
    if to.direction is None:
        raise ValidationFailed(
            "a truck without a booking needs its direction (export or import)", field="direction"
        )
    return gate_id, to.direction.value


def check_open(yard: Yard, at: datetime) -> None:
    """YardClosed (409) when the yard is out of service or outside its hours at ``at``."""
    if yard.closed_at is not None:
        raise YardClosed(f"yard {yard.code} is out of service")
    if not is_open_at(as_local(at).hour, yard.opens_at, yard.closes_at):
        raise YardClosed(
            f"yard {yard.code} is open from {yard.opens_at}:00 to {yard.closes_at}:00 only"
        )


async def enter(
    uow: UnitOfWork, yard: Yard, truck: Truck, *, at: datetime, actor: Actor, to: WalkInTo
) -> YardVisit:
    """Check ``truck`` into ``yard`` (its row locked by the caller: ``yard_by_code(lock=
    True)``, so the room counted here is the room left when the visit is added) at ``at``.

    A truck with a booking still to be used waits for its booking's gate and direction, in
    the class the gate's check-in gives it (``queue_class_of``), ordered by its booked hour; a
    walk-in waits for ``to`` (or the yard's only gate), regular and behind, ordered by its
    arrival. Refused: YardClosed, AlreadyInYard (an open visit anywhere), YardFull (409);
    NotFound (404) for an unknown booking code; ValidationFailed (422) for a walk-in without
    its gate or direction; Conflict (409) for a booking at a gate the yard does not serve;
    AlreadyAtGate (409) for a truck already in the gate's control yard (``_booking_of``)."""
    check_open(yard, at)
    booking = await _booking_of(uow, truck)
    plate = booking.plate if booking is not None else truck.plate
    assert plate is not None  # a read without a plate names a booking, or was refused
    if await uow.session.scalar(select(YardVisit.id).where(YardVisit.active_plate == plate)):
        raise AlreadyInYard("the truck is already checked into a waiting yard")
    if not has_room(await in_yard(uow, yard.id), yard.capacity):
        raise YardFull(f"yard {yard.code} holds its {yard.capacity} trucks; try another yard")
    if booking is not None:
        if booking.gate_id not in await gate_ids_of(uow, yard.id):
            raise Conflict("the truck is booked at a gate this yard does not serve")
        aeo = bool(
            booking.enterprise_id
            and await uow.session.scalar(
                select(Enterprise.is_aeo).where(Enterprise.id == booking.enterprise_id)
            )
        )
        gate_id, direction = booking.gate_id, booking.direction
        queue_class = queue_class_of(perishable=booking.perishable, aeo=aeo)
        slot_start, behind = booking.slot_start, False
    else:
        gate_id, direction = await _walk_in_gate(uow, yard, to)
        # As a walk-in in the control yard: regular, behind the booked trucks of its class.
        queue_class, slot_start, behind = QueueClass.REGULAR, at, True
    visit = YardVisit(
        yard_id=yard.id,
        gate_id=gate_id,
        direction=direction,
        plate=plate,
        active_plate=plate,
        trailer_plate=truck.trailer_plate or (booking.trailer_plate if booking else None),
        booking_id=booking.id if booking else None,
        queue_class=queue_class.value,
        slot_start=slot_start,
        status=VisitStatus.WAITING.value,
        entered_at=at,
        behind=behind,
    )
    uow.session.add(visit)
    try:
        async with uow.savepoint():
            await uow.session.flush()
    except IntegrityError as error:  # another yard checked the same truck in meanwhile
        raise AlreadyInYard("the truck is already checked into a waiting yard") from error
    await _record(uow, TruckEnteredYard, yard, visit, None, actor, {"walk_in": booking is None})
    return visit


async def open_visit(uow: UnitOfWork, yard: Yard, truck: Truck) -> YardVisit:
    """The visit of ``truck`` in ``yard`` now (by its plate, else its booking's code);
    NotFound (404) when it is not in this yard."""
    query = select(YardVisit).where(
        YardVisit.yard_id == yard.id, YardVisit.status.in_([s.value for s in IN_YARD])
    )
    if truck.plate is not None:
        query = query.where(YardVisit.active_plate == truck.plate)
    else:
        codes = select(Booking.id).where(Booking.code == truck.booking_code)
        query = query.where(YardVisit.booking_id.in_(codes))
    visit = await uow.session.scalar(query.with_for_update())
    if visit is None:
        raise NotFound("the truck is not in this yard")
    return visit


async def visit_in_yard(uow: UnitOfWork, yard: Yard, visit_id: str) -> YardVisit:
    """Visit ``visit_id`` of ``yard``; NotFound (404) for one of another yard."""
    visit = await uow.session.get(YardVisit, visit_id, with_for_update=True)
    if visit is None or visit.yard_id != yard.id:
        raise NotFound("no such visit in this yard")
    return visit


async def leave(
    uow: UnitOfWork, yard: Yard, visit: YardVisit, *, at: datetime, actor: Actor
) -> YardVisit:
    """The truck of ``visit`` goes out of the yard at ``at``: waiting, its visit ends
    (``left``, its plate free for another visit); dispatched, it is on its way to the gate
    (``en_route``, ``departed_at``). InvalidTransition (409) for a visit no longer in the
    yard."""
    current = VisitStatus(visit.status)
    target = VisitStatus.LEFT if current is VisitStatus.WAITING else VisitStatus.EN_ROUTE
    check_visit_move(current, target)
    visit.status = target.value
    visit.version += 1
    if target is VisitStatus.LEFT:
        visit.ended_at, visit.active_plate = at, None
        visit.end_reason = "left the yard without a dispatch order"
    else:
        visit.departed_at = at
    await uow.session.flush()
    await _record(uow, TruckLeftYard, yard, visit, current, actor, {})
    return visit


async def _record(
    uow: UnitOfWork,
    kind: type[TruckEnteredYard] | type[TruckLeftYard],
    yard: Yard,
    visit: YardVisit,
    before: VisitStatus | None,
    actor: Actor,
    facts: dict[str, bool],
) -> None:
    gate_code = await uow.session.scalar(select(Gate.code).where(Gate.id == visit.gate_id))
    assert gate_code is not None
    enterprise_id = None
    if visit.booking_id is not None:
        enterprise_id = await uow.session.scalar(
            select(Booking.enterprise_id).where(Booking.id == visit.booking_id)
        )
    uow.record(
        kind(
            visit_id=visit.id,
            enterprise_id=enterprise_id,
            yard=yard.code,
            yard_id=yard.id,
            gate=gate_code,
            direction=visit.direction,
            booking_id=visit.booking_id,
            queue_class=visit.queue_class,
            from_status=before.value if before else None,
            to_status=visit.status,
            actor=actor,
            facts=dict(facts),
        )
    )


async def visits_in_yard(uow: UnitOfWork, yard: Yard) -> list[YardVisit]:
    """The trucks in the yard now (waiting or dispatched), in arrival order."""
    query = select(YardVisit).where(
        YardVisit.yard_id == yard.id, YardVisit.status.in_([s.value for s in IN_YARD])
    )
    return list(await uow.session.scalars(query.order_by(YardVisit.entered_at, YardVisit.id)))

"""Booking, rescheduling and cancelling. Services flush; the request boundary commits."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from gate.bookings.no_shows import check_share_in_slot
from gate.bookings.transitions import event_fields, move
from gate.domain import bookings as rules
from gate.domain.bookings import BookingStatus
from gate.domain.cargo import (
    check_declaration_number,
    check_hs_code,
    check_slot_before_spoiling,
    check_spoil_by,
    check_weight,
)
from gate.domain.errors import NotFound, PlateAlreadyBooked, ValidationFailed
from gate.domain.events import (
    Actor,
    BookingCancelled,
    BookingCreated,
    BookingRescheduled,
    Fact,
)
from gate.domain.no_shows import NoShowPolicy
from gate.domain.plates import format_plate, normalise_plate
from gate.domain.rebooking import check_latest_acceptable
from gate.domain.slots import Direction, check_bookable_start
from gate.domain.text import accepted_text
from gate.domain.time import accepted_instant, as_utc
from gate.fees.fixing import Crossing, FeeDraft, fix_fee, store_fees
from gate.fees.refunds import move_refund_deadline, settle_cancelled
from gate.fleet.grants import bookable_vehicle
from gate.fleet.service import get_driver
from gate.gates.calendar import gate_by_code
from gate.gates.memory import GateMemory
from gate.gates.slots import ensure_slot, lock_slots, release_place, take_place
from gate.store.tables import Booking, Gate
from gate.store.types import new_id
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Cargo:
    description: str
    weight_kg: float
    perishable: bool = False
    hs_code: str | None = None
    declaration_number: str | None = None
    # When perishable cargo spoils (aware; gate/domain/cargo.py::check_spoil_by).
    spoil_by: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewBooking:
    gate: str
    direction: Direction
    slot_start: datetime
    vehicle_id: str
    driver_id: str
    cargo: Cargo
    # The latest hour start a move of the gate may take it to (gate/bookings/rebooking.py).
    latest_acceptable_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BookingRules:
    """When a booking is decided (``now``), how far ahead it may be (``horizon``), and the
    no-show rule of the peak hours (GATE_NO_SHOW_*, GATE_PEAK_*; gate/domain/no_shows.py:
    the settings' ``no_show_policy``; no default, so that no caller forgets the configured
    one)."""

    now: datetime
    horizon: timedelta
    no_shows: NoShowPolicy


async def create_booking(
    uow: UnitOfWork,
    enterprise_id: str,
    new: NewBooking,
    at: BookingRules,
    actor: Actor,
    *,
    gates: GateMemory | None = None,
) -> Booking:
    """Book a vehicle into a slot: refused when the slot is full or closed, beyond the
    enterprise's share of a peak hour (PeakShareExceeded, gate/domain/no_shows.py), when the plate
    already has an active booking, or when the slot is past or beyond the horizon. The vehicle
    is one the enterprise holds or has a live grant for at ``at.now`` (gate/fleet/grants.py);
    the driver is always the booking enterprise's own. ``gates``: the process's remembered
    gate rows (gate/gates/memory.py), else the gate is read."""
    start = check_bookable_start(new.slot_start, at.now, at.horizon)
    gate = await (gates.by_code(uow, new.gate) if gates else gate_by_code(uow, new.gate))
    vehicle = await bookable_vehicle(uow, enterprise_id, new.vehicle_id, at.now)
    driver = await get_driver(uow, enterprise_id, new.driver_id)
    cargo = checked_cargo(new.cargo, now=at.now, slot_start=start)
    check_latest_acceptable(new.latest_acceptable_at, start)
    await _ensure_plate_free(uow, vehicle.plate, vehicle.trailer_plate)

    slot_id = await ensure_slot(uow, gate, new.direction, start)
    await take_place(uow, slot_id)
    # Counted under the slot's row lock take_place holds, before this booking is added.
    await check_share_in_slot(uow, enterprise_id, slot_id, start, at.now, at.no_shows)
    booking = booking_row(enterprise_id, new, gate, slot_id, start, vehicle, driver.id, cargo)
    fee = await fix_fee(
        uow,
        gate,
        Crossing(
            booking.id,
            enterprise_id,
            new.direction.value,
            start,
            vehicle.vehicle_type,
            cargo.weight_kg,
        ),
        at.now,
    )
    booking.fee_unpaid = fee is not None and fee.holds_truck
    uow.session.add(booking)
    plate = vehicle.plate  # read now: after a failed flush the session reloads nothing
    try:
        await uow.session.flush()
    except IntegrityError as error:
        # A unique index (active_plate, active_trailer_plate) caught a concurrent booking of
        # the same tractor or trailer.
        raise plate_taken(plate) from error
    # The invoice number last: its counter stays locked to the commit (gate/fees/invoices.py).
    numbers = await store_fees(uow, gate, [fee] if fee else [], at.now)
    uow.record(created(booking, gate, actor, fee, numbers[0] if numbers else None))
    return booking


def checked_cargo(cargo: Cargo, *, now: datetime, slot_start: datetime) -> Cargo:
    """The cargo with its HS code and declaration number normalised; ValidationFailed for
    either when malformed, for a weight outside the accepted range, or for a spoil-by on
    cargo that is not perishable, past at ``now``, before the hour booked (``slot_start``)
    or too far ahead (gate/domain/cargo.py)."""
    hs_code = check_hs_code(cargo.hs_code) if cargo.hs_code else None
    declaration = (
        check_declaration_number(cargo.declaration_number) if cargo.declaration_number else None
    )
    check_weight(cargo.weight_kg)
    spoil_by = check_spoil_by(
        cargo.spoil_by, perishable=cargo.perishable, now=now, slot_start=slot_start
    )
    return Cargo(
        cargo.description, cargo.weight_kg, cargo.perishable, hs_code, declaration, spoil_by
    )


class Truck(Protocol):
    """What a new booking takes from its vehicle: a Vehicle, or a batch's row of it
    (gate/bookings/together.py)."""

    @property
    def id(self) -> str: ...

    @property
    def plate(self) -> str: ...

    @property
    def trailer_plate(self) -> str | None: ...


def booking_row(
    enterprise_id: str,
    new: NewBooking,
    gate: Gate,
    slot_id: str,
    start: datetime,
    vehicle: Truck,
    driver_id: str,
    cargo: Cargo,
) -> Booking:
    """The new booking's row (not yet added to a session) for a place taken in ``slot_id``:
    booked, version 1, holding the vehicle's plate and trailer (``checked_cargo``'s cargo)."""
    return Booking(
        id=new_id(),  # now: the fee fixed beside it names it before the flush
        code=rules.new_booking_code(),
        enterprise_id=enterprise_id,
        gate_id=gate.id,
        direction=new.direction.value,
        slot_id=slot_id,
        slot_start=start,
        vehicle_id=vehicle.id,
        driver_id=driver_id,
        plate=vehicle.plate,
        active_plate=vehicle.plate,
        trailer_plate=vehicle.trailer_plate,
        active_trailer_plate=vehicle.trailer_plate,
        cargo_description=cargo.description,
        hs_code=cargo.hs_code,
        weight_kg=cargo.weight_kg,
        perishable=cargo.perishable,
        declaration_number=cargo.declaration_number,
        spoil_by=cargo.spoil_by,
        status=BookingStatus.BOOKED.value,
        version=1,
        latest_acceptable_at=check_latest_acceptable(new.latest_acceptable_at, start),
    )


def created(
    booking: Booking,
    gate: Gate,
    actor: Actor,
    fee: FeeDraft | None = None,
    invoice_number: str | None = None,
) -> BookingCreated:
    """The audited event of a new booking; with its fee (amount in VND, invoice number) when
    one was fixed."""
    return BookingCreated(
        **event_fields(booking, gate),
        to_status=BookingStatus.BOOKED.value,
        actor=actor,
        facts=_created_facts(booking, fee, invoice_number),
    )


def _created_facts(
    booking: Booking, fee: FeeDraft | None, invoice_number: str | None
) -> dict[str, Fact]:
    facts: dict[str, Fact] = {"perishable": booking.perishable}
    if booking.spoil_by is not None:
        facts["spoil_by"] = as_utc(booking.spoil_by).isoformat()
    if fee is not None and invoice_number is not None:
        facts |= {"fee_vnd": fee.amount_vnd, "invoice_number": invoice_number}
    return facts


async def get_booking(uow: UnitOfWork, enterprise_id: str, booking_id: str) -> Booking:
    """An enterprise's own booking; another enterprise's is as unknown as a missing one."""
    booking = await uow.session.get(Booking, booking_id)
    if booking is None or booking.enterprise_id != enterprise_id:
        raise NotFound("no such booking")
    return booking


async def gate_of(uow: UnitOfWork, booking: Booking) -> Gate:
    gate = await uow.session.get(Gate, booking.gate_id)
    assert gate is not None
    return gate


async def reschedule_booking(
    uow: UnitOfWork,
    enterprise_id: str,
    booking_id: str,
    new_start: datetime,
    expected_version: int,
    at: BookingRules,
    actor: Actor,
) -> Booking:
    """Move a booking to another slot of the same gate and direction: the new place is taken
    and the old one freed in one transaction; a peak hour beyond the enterprise's share is
    refused as for a new booking (PeakShareExceeded)."""
    start = check_bookable_start(new_start, at.now, at.horizon)
    booking = await _lock_own_booking(uow, enterprise_id, booking_id)
    rules.check_version(booking.version, expected_version)
    rules.check_can_reschedule(BookingStatus(booking.status))
    check_slot_before_spoiling(booking.spoil_by, start)
    if booking.slot_start == start:
        raise ValidationFailed(
            "the booking is in that slot already", why="same-slot", field="slot_start"
        )
    gate = await gate_of(uow, booking)
    previous_start = booking.slot_start
    slot_id = await ensure_slot(uow, gate, Direction(booking.direction), start)
    await lock_slots(uow, slot_id, booking.slot_id)  # the lock-order rule: by slot id
    await take_place(uow, slot_id)
    await check_share_in_slot(uow, enterprise_id, slot_id, start, at.now, at.no_shows)
    await release_place(uow, booking.slot_id)
    booking.slot_id, booking.slot_start = slot_id, start
    booking.version += 1
    await move_refund_deadline(uow, booking, at.now, by_gate=False)
    await uow.session.flush()
    uow.record(
        BookingRescheduled(
            **event_fields(booking, gate),
            from_status=booking.status,
            to_status=booking.status,
            actor=actor,
            previous_slot_start=previous_start.isoformat(),
        )
    )
    return booking


async def cancel_booking(
    uow: UnitOfWork,
    enterprise_id: str,
    booking_id: str,
    reason: str | None,
    expected_version: int | None,
    now: datetime,
    actor: Actor,
) -> Booking:
    """Cancel and free the place at once. Cancelling a cancelled booking changes nothing."""
    booking = await _lock_own_booking(uow, enterprise_id, booking_id)
    if booking.status == BookingStatus.CANCELLED.value:
        return booking
    rules.check_version(booking.version, expected_version)
    await cancel_locked(uow, booking, reason, now, actor)
    return booking


async def cancel_locked(
    uow: UnitOfWork,
    booking: Booking,
    reason: str | None,
    now: datetime,
    actor: Actor,
    facts: dict[str, Fact] | None = None,
) -> None:
    """Cancel a booking the caller has locked (``lock_booking``) and may cancel: the place is
    freed, the fee settled by the refund rule (gate/fees/refunds.py) and the move audited, as
    for any cancellation. InvalidTransition unless booked."""
    rules.check_can_cancel(BookingStatus(booking.status))
    await release_place(uow, booking.slot_id)
    booking.cancelled_at = now
    booking.cancel_reason = reason
    gate = await gate_of(uow, booking)
    # The fee by the refund rule (gate/domain/fees.py): the enterprise's own cancellation in
    # time or any of the gate's refunds what was paid; late, the fee stands.
    await settle_cancelled(uow, booking, gate, now, actor)
    move(
        uow,
        booking,
        gate,
        BookingStatus.CANCELLED,
        BookingCancelled,
        actor,
        reason,
        facts,
    )
    await uow.session.flush()


@dataclass(frozen=True, slots=True)
class BookingFilter:
    status: BookingStatus | None = None
    gate: str | None = None
    direction: Direction | None = None
    plate: str | None = None
    slot_from: datetime | None = None
    slot_to: datetime | None = None
    limit: int = 50
    cursor: str | None = None


MAX_PAGE = 200


async def list_bookings(
    uow: UnitOfWork, enterprise_id: str, where: BookingFilter
) -> tuple[list[Booking], str | None]:
    """A page of the enterprise's bookings in slot order, and the cursor of the next page."""
    if not 1 <= where.limit <= MAX_PAGE:
        raise ValidationFailed(f"limit is between 1 and {MAX_PAGE}", field="limit")
    query = select(Booking).where(Booking.enterprise_id == enterprise_id)
    if where.status is not None:
        query = query.where(Booking.status == where.status.value)
    if where.gate is not None:
        gate = await gate_by_code(uow, where.gate)
        query = query.where(Booking.gate_id == gate.id)
    if where.direction is not None:
        query = query.where(Booking.direction == where.direction.value)
    if where.plate is not None:
        # A truck is found by either of its plates.
        searched = normalise_plate(where.plate)
        query = query.where(or_(Booking.plate == searched, Booking.trailer_plate == searched))
    if where.slot_from is not None:
        query = query.where(Booking.slot_start >= as_utc(where.slot_from))
    if where.slot_to is not None:
        query = query.where(Booking.slot_start < as_utc(where.slot_to))
    if where.cursor is not None:
        after_start, after_id = _decode_cursor(where.cursor)
        query = query.where(
            or_(
                Booking.slot_start > after_start,
                and_(Booking.slot_start == after_start, Booking.id > after_id),
            )
        )
    query = query.order_by(Booking.slot_start, Booking.id).limit(where.limit + 1)
    rows = list(await uow.session.scalars(query))
    page, more = rows[: where.limit], len(rows) > where.limit
    next_cursor = _encode_cursor(page[-1]) if more and page else None
    return page, next_cursor


async def _ensure_plate_free(uow: UnitOfWork, plate: str, trailer: str | None) -> None:
    """One active booking per plate, the trailer's included: a truck cannot be booked twice
    by booking its trailer behind another tractor."""
    if await uow.session.scalar(select(Booking.id).where(Booking.active_plate == plate)):
        raise plate_taken(plate)
    if trailer is not None and await uow.session.scalar(
        select(Booking.id).where(Booking.active_trailer_plate == trailer)
    ):
        raise trailer_taken(trailer)


def plate_taken(plate: str) -> PlateAlreadyBooked:
    """The refusal of a booking whose (normalised) tractor plate has an active booking."""
    return PlateAlreadyBooked(
        f"vehicle {format_plate(plate)} already has an active booking; "
        "reschedule or cancel it first"
    )


def trailer_taken(trailer: str) -> PlateAlreadyBooked:
    """The refusal of a booking whose (normalised) trailer has an active booking."""
    return PlateAlreadyBooked(
        f"trailer {format_plate(trailer)} already has an active booking "
        "(behind another tractor); reschedule or cancel that booking first"
    )


async def lock_booking(uow: UnitOfWork, booking_id: str) -> Booking | None:
    """The booking, row-locked and freshly read, or None."""
    # The row lock serialises two changes of one booking (PostgreSQL); SQLite's BEGIN
    # IMMEDIATE already serialises writers.
    return await uow.session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _lock_own_booking(uow: UnitOfWork, enterprise_id: str, booking_id: str) -> Booking:
    booking = await lock_booking(uow, booking_id)
    if booking is None or booking.enterprise_id != enterprise_id:
        raise NotFound("no such booking")
    return booking


def _encode_cursor(booking: Booking) -> str:
    raw = f"{booking.slot_start.isoformat()}|{booking.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The slot start and booking id a cursor holds; a cursor is the client's input like any
    other, so its instant is held to the accepted window before the query compares with it."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        start, booking_id = raw.split("|", 1)
        after = datetime.fromisoformat(start)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed("the cursor is not one this API gave", field="cursor") from None
    # The id goes into a query: held to the rule for text from outside (a NUL was a 500).
    return accepted_instant(after, "cursor"), accepted_text(booking_id, "cursor")

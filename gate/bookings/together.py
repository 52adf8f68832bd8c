"""Booking attempts on one slot decided together, in one transaction (issue 20, "a rush decided
together"): one claim of their Idempotency-Keys, one read each of their vehicles, drivers and
busy plates, one lock of the slot's row and one update for as many places as are left, one
multi-row insert, one audit append (at commit) and one write of their answers.

The answers are those of ``service.create_booking`` taking the attempts one by one in the
order they arrived (first come, first served): each attempt meets the same checks in the same
order (vehicle, driver, cargo, plate free, closed or full slot) and the same refusals; an
attempt whose truck an earlier one of the batch books is refused as if that one had committed
first. A slot remembered full (gate/bookings/full_slots.py) is refused without its row.

``careful``: each attempt is decided by ``service.create_booking`` in a savepoint of its own,
for a batch whose insert met a unique index (a truck booked by a concurrent transaction): the
others still get their places and that one its refusal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, select, update

from gate.bookings.full_slots import FullSlots, SlotKey
from gate.bookings.no_shows import held_in_slot, no_show_standings
from gate.bookings.service import (
    BookingRules,
    Cargo,
    NewBooking,
    booking_row,
    checked_cargo,
    create_booking,
    created,
    plate_taken,
    trailer_taken,
)
from gate.domain.errors import DomainError, IdempotencyKeyReused, NotFound, SlotClosed, SlotFull
from gate.domain.events import Actor
from gate.domain.no_shows import PeakShareExceeded, check_peak_share
from gate.domain.time import as_local, utc_now
from gate.fees.agreements import on_statement
from gate.fees.fixing import Crossing, draft_fee, priced_at, store_fees
from gate.fees.reads import fees_of
from gate.fees.schedules import in_force
from gate.fleet.grants import bookable_vehicle
from gate.gates.memory import GateMemory
from gate.gates.slots import ensure_slot
from gate.request_ids import current_request_id
from gate.store.database import among
from gate.store.idempotency import (
    Claim,
    OwnedKey,
    Stored,
    claim_keys,
    store_answers,
    stored_answers,
)
from gate.store.tables import Booking, Driver, Gate, Slot, Vehicle
from gate.store.tables.fees import Fee
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Attempt:
    """One booking request: ``start`` is its slot's start as ``check_bookable_start`` gave it
    (the batch's slot); ``key`` its Idempotency-Key (None: none sent) and ``fingerprint``
    the request's (services/common/idempotency.py)."""

    enterprise_id: str
    new: NewBooking
    rules: BookingRules
    actor: Actor
    start: datetime
    key: str | None
    fingerprint: str
    # The request that made the attempt (gate/request_ids.py): its booking's event names it,
    # though a batch of many requests' attempts records it.
    request_id: str | None = field(default_factory=current_request_id)


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer: status, encoded body (JSON or a problem), and whether it is a replay."""

    status: int
    body: bytes
    replayed: bool = False


# An attempt's answer, or the refusal to raise for an attempt sent without a key.
Outcome = Answer | DomainError


# A slot found full: the slot, its capacity, the generation of its gate read before its row.
Full = tuple[SlotKey, int, int]


@dataclass(frozen=True, slots=True)
class Decision:
    """A batch's outcomes in the order of its attempts, and the slot it found full with its
    capacity (None: not found full): remembered once the batch committed, not before, since
    a batch rolled back took no place."""

    outcomes: list[Outcome]
    full: Full | None = None


class Answers(Protocol):
    """How the web floor encodes answers (the booking's view, a problem), handed in."""

    def booked(self, booking: Booking, gate: Gate, fee: Fee | None) -> bytes: ...

    def refused(self, error: DomainError) -> tuple[int, bytes]: ...


@dataclass(frozen=True, slots=True)
class Decider:
    """What deciding a batch needs from the process: the remembered gates and full slots,
    the encoders of answers and how long an Idempotency-Key is remembered."""

    gates: GateMemory
    full: FullSlots
    answers: Answers
    retention: timedelta


async def decide(
    uow: UnitOfWork, attempts: Sequence[Attempt], how: Decider, *, careful: bool = False
) -> Decision:
    """The answers of ``attempts`` (all on one gate, direction and hour), in their order,
    written with their keys; the caller commits. Raises what the database raises (an
    IntegrityError unless ``careful``: the caller decides again with ``careful``)."""
    outcomes: list[Outcome | None] = [None] * len(attempts)
    first: dict[OwnedKey, int] = {}
    echoes: dict[int, int] = {}  # an attempt -> the earlier one of the batch with its key
    for index, attempt in enumerate(attempts):
        if attempt.key is not None:
            owned = (attempt.enterprise_id, attempt.key)
            if owned in first:
                echoes[index] = first[owned]
            else:
                first[owned] = index
    # In one order (by key), so that two batches claiming the same keys cannot deadlock.
    claims = [Claim(o, k, attempts[i].fingerprint) for (o, k), i in sorted(first.items())]
    claimed = await claim_keys(uow, claims, utc_now() - how.retention)
    stored = await stored_answers(uow, [owned for owned in first if owned not in claimed])
    for owned, record in stored.items():
        outcomes[first[owned]] = _replay(record, attempts[first[owned]].fingerprint)

    live = [i for i in range(len(attempts)) if outcomes[i] is None and i not in echoes]
    found_full: list[Full] = []
    if careful:
        decided = await _one_by_one(uow, attempts, live, how)
    else:
        decided = await _together(uow, attempts, live, how, found_full)
    keyed: dict[OwnedKey, tuple[int, bytes]] = {}
    # The answers carry each booking's fee, as one by one (one read for the batch).
    fees = await fees_of(uow, [r[0].id for r in decided.values() if isinstance(r, tuple)])
    for index in live:
        attempt, result = attempts[index], decided[index]
        if isinstance(result, DomainError):
            outcome: Outcome = (
                result if attempt.key is None else Answer(*how.answers.refused(result))
            )
        else:
            outcome = Answer(201, how.answers.booked(*result, fees.get(result[0].id)))
        outcomes[index] = outcome
        if attempt.key is not None and isinstance(outcome, Answer):
            keyed[(attempt.enterprise_id, attempt.key)] = (outcome.status, outcome.body)
    await store_answers(uow, keyed)

    for index, earlier in echoes.items():
        # A retry sent while its first was in the same batch: what it would read once the
        # first committed.
        attempt = attempts[index]
        held = stored.get((attempt.enterprise_id, attempt.key or ""))
        if held is not None:
            outcomes[index] = _replay(held, attempt.fingerprint)
            continue
        first_answer = outcomes[earlier]
        assert isinstance(first_answer, Answer)
        outcomes[index] = _replay(
            Stored(attempts[earlier].fingerprint, first_answer.status, first_answer.body),
            attempt.fingerprint,
        )
    answered = [outcome for outcome in outcomes if outcome is not None]
    assert len(answered) == len(attempts)
    return Decision(answered, found_full[0] if found_full else None)


def _replay(record: Stored, fingerprint: str) -> Outcome:
    if record.fingerprint != fingerprint:
        return IdempotencyKeyReused("that Idempotency-Key was used with another request")
    return Answer(record.status, record.body, replayed=True)


Decided = dict[int, tuple[Booking, Gate] | DomainError]


async def _one_by_one(
    uow: UnitOfWork, attempts: Sequence[Attempt], live: list[int], how: Decider
) -> Decided:
    decided: Decided = {}
    for index in live:
        attempt = attempts[index]
        try:
            async with uow.savepoint():
                booking = await create_booking(
                    uow,
                    attempt.enterprise_id,
                    attempt.new,
                    attempt.rules,
                    attempt.actor,
                    gates=how.gates,
                )
        except DomainError as refusal:
            decided[index] = refusal
        else:
            decided[index] = (booking, await how.gates.by_id(uow, booking.gate_id))
    return decided


@dataclass(frozen=True, slots=True)
class _Truck:
    """What a booking takes from its vehicle (``booking_row``, its plates, its fee)."""

    id: str
    plate: str
    trailer_plate: str | None
    vehicle_type: str


@dataclass(frozen=True, slots=True)
class _Checked:
    vehicle: _Truck
    driver_id: str
    cargo: Cargo


async def _together(
    uow: UnitOfWork,
    attempts: Sequence[Attempt],
    live: list[int],
    how: Decider,
    found_full: list[Full],
) -> Decided:
    decided: Decided = {}
    if not live:
        return decided
    new = attempts[live[0]].new
    try:
        gate = await how.gates.by_code(uow, new.gate)
    except DomainError as refusal:
        return {index: type(refusal)(refusal.detail) for index in live}
    checked = await _check(uow, attempts, live, decided)

    # Plates: busy in the database, or booked by an earlier attempt of the batch.
    busy_plates, busy_trailers = await _busy(uow, list(checked.values()))
    wanting: list[int] = []
    holders: dict[str, int] = {}  # a plate or trailer -> the attempt of the batch that has it
    behind: dict[int, tuple[int, DomainError]] = {}
    for index, item in checked.items():
        plate, trailer = item.vehicle.plate, item.vehicle.trailer_plate
        if plate in busy_plates:
            decided[index] = plate_taken(plate)
        elif trailer is not None and trailer in busy_trailers:
            decided[index] = trailer_taken(trailer)
        elif plate in holders:
            behind[index] = (holders[plate], plate_taken(plate))
        elif trailer is not None and trailer in holders:
            behind[index] = (holders[trailer], trailer_taken(trailer))
        else:
            wanting.append(index)
            holders[plate] = index
            if trailer is not None:
                holders[trailer] = index

    granted, capacity = 0, 0
    start = attempts[live[0]].start
    slot = (gate.id, new.direction.value, start)
    remembered = how.full.capacity_if_full(slot)
    slot_id = ""
    if remembered is not None:
        capacity = remembered
    elif wanting:
        generation = how.full.generation(gate.id)
        slot_id = await ensure_slot(uow, gate, new.direction, start)
        wanting = await _within_shares(uow, attempts, wanting, slot_id, decided)
        granted, capacity, full = await _take(uow, slot_id, len(wanting))
        if full:
            found_full.append((slot, capacity, generation))
    winners = wanting[:granted]
    for index in wanting[granted:]:
        decided[index] = _no_room(capacity)
    for index, (holder, taken) in behind.items():
        held_back = decided.get(holder)
        if holder in winners:
            decided[index] = taken
        elif isinstance(held_back, PeakShareExceeded) and _same_enterprise(attempts, index, holder):
            # Its enterprise holds its share already: so it would be told one by one.
            decided[index] = PeakShareExceeded(held_back.held, held_back.allowed, held_back.share)
        else:
            decided[index] = _no_room(capacity)

    rows = []
    for index in winners:
        attempt, item = attempts[index], checked[index]
        rows.append(
            booking_row(
                attempt.enterprise_id,
                attempt.new,
                gate,
                slot_id,
                start,
                item.vehicle,
                item.driver_id,
                item.cargo,
            )
        )
    # One schedule read for the batch: its bookings share one hour (gate/fees/fixing.py).
    now = attempts[live[0]].rules.now
    schedule = await in_force(uow, gate.id, priced_at(start, now)) if rows else None
    # One agreement lookup for the batch's enterprises: those on a monthly statement have
    # their fees fixed on it and their trucks not held (gate/fees/agreements.py).
    monthly = (
        await on_statement(uow, {b.enterprise_id for b in rows}, attempts[live[0]].rules.now)
        if schedule is not None
        else frozenset()
    )
    fees = [
        draft_fee(
            Crossing(
                booking.id,
                booking.enterprise_id,
                booking.direction,
                start,
                checked[index].vehicle.vehicle_type,
                booking.weight_kg,
                on_statement=booking.enterprise_id in monthly,
            ),
            schedule,
        )
        for index, booking in zip(winners, rows, strict=True)
    ]
    for booking, fee in zip(rows, fees, strict=True):
        booking.fee_unpaid = fee is not None and fee.holds_truck
    uow.session.add_all(rows)
    await uow.session.flush()
    # The invoice numbers last, one counter update for the batch (gate/fees/invoices.py).
    numbers = iter(await store_fees(uow, gate, [fee for fee in fees if fee], now))
    for index, booking, fee in zip(winners, rows, fees, strict=True):
        decided[index] = (booking, gate)
        number = next(numbers) if fee else None
        uow.record(
            created(booking, gate, attempts[index].actor, fee, number),
            attempts[index].request_id,
        )
    return decided


async def _check(
    uow: UnitOfWork, attempts: Sequence[Attempt], live: list[int], decided: Decided
) -> dict[int, _Checked]:
    """Each attempt's vehicle (held, or granted: ``bookable_vehicle``), driver and cargo, in
    ``create_booking``'s order; the refused ones go into ``decided``. The vehicles are read
    FOR KEY SHARE as ``bookable_vehicle`` reads them, the drivers' holders beside them, both
    as rows, not ORM objects (the batch only reads them; loading objects was much of its
    CPU, issue 20): a driver is refused as ``get_driver`` refuses it."""
    vehicle_ids = sorted({attempts[i].new.vehicle_id for i in live})
    vehicles = {
        row.id: row
        for row in await uow.session.execute(
            _VEHICLES.where(among(uow.session, Vehicle.id, vehicle_ids)).with_for_update(
                read=True, key_share=True
            )
        )
    }
    driver_ids = sorted({attempts[i].new.driver_id for i in live})
    holders: dict[str, str] = {
        driver_id: holder
        for driver_id, holder in await uow.session.execute(
            _DRIVERS.where(among(uow.session, Driver.id, driver_ids))
        )
    }
    checked: dict[int, _Checked] = {}
    for index in live:
        attempt = attempts[index]
        try:
            row = vehicles.get(attempt.new.vehicle_id)
            if row is None or row.enterprise_id != attempt.enterprise_id:
                # Unknown, or another holder's: its grants decide (rare, read one by one).
                vehicle = await bookable_vehicle(
                    uow, attempt.enterprise_id, attempt.new.vehicle_id, attempt.rules.now
                )
                truck = _Truck(
                    vehicle.id, vehicle.plate, vehicle.trailer_plate, vehicle.vehicle_type
                )
            else:
                truck = _Truck(row.id, row.plate, row.trailer_plate, row.vehicle_type)
            if holders.get(attempt.new.driver_id) != attempt.enterprise_id:
                raise NotFound("no such driver")  # as get_driver refuses it
            cargo = checked_cargo(
                attempt.new.cargo, now=attempt.rules.now, slot_start=attempt.new.slot_start
            )
        except DomainError as refusal:
            decided[index] = refusal
            continue
        checked[index] = _Checked(truck, attempt.new.driver_id, cargo)
    return checked


# What a batch reads of its vehicles and drivers (``_check``).
_VEHICLES = select(
    Vehicle.id, Vehicle.enterprise_id, Vehicle.plate, Vehicle.trailer_plate, Vehicle.vehicle_type
)
_DRIVERS = select(Driver.id, Driver.enterprise_id)


async def _busy(uow: UnitOfWork, items: Sequence[_Checked]) -> tuple[set[str], set[str]]:
    """The plates and trailers of ``items`` that an active booking holds."""
    plates = {item.vehicle.plate for item in items}
    trailers = {t for item in items if (t := item.vehicle.trailer_plate) is not None}
    if not plates:
        return set(), set()
    rows = await uow.session.execute(
        select(Booking.active_plate, Booking.active_trailer_plate).where(
            or_(
                among(uow.session, Booking.active_plate, plates),
                among(uow.session, Booking.active_trailer_plate, trailers),
            )
        )
    )
    busy_plates, busy_trailers = set(), set()
    for row in rows:
        if row.active_plate in plates:
            busy_plates.add(row.active_plate)
        if row.active_trailer_plate in trailers:
            busy_trailers.add(row.active_trailer_plate)
    return busy_plates, busy_trailers


async def _take(uow: UnitOfWork, slot_id: str, wanted: int) -> tuple[int, int, bool]:
    """Up to ``wanted`` places of the slot, first come first served: (places granted, the
    slot's capacity, whether it is full now). The row stays locked (PostgreSQL; SQLite
    serialises writers) from the read to the commit; the update is conditional anyway."""
    row = (
        await uow.session.execute(
            select(Slot.booked, Slot.capacity).where(Slot.id == slot_id).with_for_update()
        )
    ).one()
    booked, capacity = int(row.booked), int(row.capacity)
    granted = max(0, min(wanted, capacity - booked))
    if granted:
        await uow.session.execute(
            update(Slot)
            .where(Slot.id == slot_id, Slot.booked + granted <= Slot.capacity)
            .values(booked=Slot.booked + granted)
        )
    return granted, capacity, booked + granted >= capacity


async def _within_shares(
    uow: UnitOfWork, attempts: Sequence[Attempt], wanting: list[int], slot_id: str, decided: Decided
) -> list[int]:
    """``wanting`` less the attempts a peak hour's share refuses (gate/bookings/no_shows.py),
    refused in ``decided`` as ``create_booking`` would refuse them one by one in order: an
    attempt finding the hour full is refused as full, else one beyond its enterprise's share
    as beyond it. The slot's row is locked here first, so the counts hold to the commit."""
    if not wanting:
        return wanting
    rules = attempts[wanting[0]].rules
    start = attempts[wanting[0]].start
    if not rules.no_shows.is_peak(as_local(start).hour):
        return wanting
    standings = await no_show_standings(
        uow, {attempts[i].enterprise_id for i in wanting}, rules.now, rules.no_shows
    )
    limited = {e for e, mine in standings.items() if mine.share < 1.0}
    if not limited:
        return wanting
    row = (
        await uow.session.execute(
            select(Slot.booked, Slot.capacity).where(Slot.id == slot_id).with_for_update()
        )
    ).one()
    capacity, free = int(row.capacity), int(row.capacity) - int(row.booked)
    held = await held_in_slot(uow, slot_id, limited)
    kept: list[int] = []
    for index in wanting:
        enterprise_id = attempts[index].enterprise_id
        if free > 0 and enterprise_id in limited:
            try:
                check_peak_share(held[enterprise_id], standings[enterprise_id].share, capacity)
            except PeakShareExceeded as refusal:
                decided[index] = refusal
                continue
            held[enterprise_id] += 1
        free -= 1
        kept.append(index)
    return kept


def _same_enterprise(attempts: Sequence[Attempt], one: int, other: int) -> bool:
    return attempts[one].enterprise_id == attempts[other].enterprise_id


def _no_room(capacity: int) -> DomainError:
    """``take_place``'s refusal (gate/gates/slots.py): closed at capacity 0, else full."""
    if capacity == 0:
        return SlotClosed("the gate takes no vehicle in that slot")
    return SlotFull("the slot has no free place", capacity=capacity)

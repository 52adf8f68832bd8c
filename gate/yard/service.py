"""Reading the yard queue of a gate and direction, and calling its next vehicle to a lane."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from gate.bookings.transitions import move
from gate.domain.bookings import BookingStatus
from gate.domain.errors import Conflict, LaneOccupied, NotFound
from gate.domain.events import (
    SYSTEM,
    Actor,
    BookingLapsed,
    Fact,
    LaneChanged,
    VehicleCalled,
    VehicleRequeued,
)
from gate.domain.queue import (
    QueueClass,
    QueueEntry,
    ServiceCycle,
    next_turn,
    service_order,
)
from gate.domain.slots import Direction
from gate.store.booking_rows import AnyBooking
from gate.store.database import conflict_insert
from gate.store.tables import Booking, Gate, Lane, QueueCursor
from gate.store.unit_of_work import UnitOfWork

# A called vehicle that misses its call a second time is a no-show.
MAX_MISSED_CALLS = 1


def entry_of(booking: AnyBooking) -> QueueEntry:
    """A waiting truck as the queue's order sees it (its spoil-by included); held while its
    fee is unpaid (the unpaid-fee rule: not called to a lane until paid)."""
    assert booking.arrived_at is not None and booking.queue_class is not None
    return QueueEntry(
        id=booking.id,
        queue_class=QueueClass(booking.queue_class),
        behind=booking.queue_behind,
        slot_start=booking.slot_start,
        arrived_at=booking.arrived_at,
        spoil_by=booking.spoil_by,
        # The check-in's plain row carries no flag: it places trucks, it never calls one.
        held=booking.fee_unpaid if isinstance(booking, Booking) else False,
    )


async def waiting(uow: UnitOfWork, gate: Gate, direction: Direction) -> list[Booking]:
    """Vehicles checked in and not yet called, in no particular order."""
    query = select(Booking).where(
        Booking.gate_id == gate.id,
        Booking.direction == direction.value,
        Booking.status == BookingStatus.ARRIVED.value,
    )
    return list(await uow.session.scalars(query))


async def cursor_position(uow: UnitOfWork, gate: Gate, direction: Direction, lock: bool) -> int:
    """Whose turn it is in the cycle; with ``lock`` the row is held until commit, so two
    operators calling at once take turns instead of both taking the same vehicle."""
    insert = conflict_insert(uow.session)
    if lock:
        await uow.session.execute(
            insert(QueueCursor)
            .values(gate_id=gate.id, direction=direction.value, position=0)
            .on_conflict_do_nothing(index_elements=["gate_id", "direction"])
        )
    query = select(QueueCursor.position).where(
        QueueCursor.gate_id == gate.id, QueueCursor.direction == direction.value
    )
    if lock:
        query = query.with_for_update()
    return int(await uow.session.scalar(query) or 0)


async def held_waiting(uow: UnitOfWork, gate: Gate, direction: Direction) -> int:
    """How many trucks wait in the yard held by the unpaid-fee rule: what an officer is told
    when a call finds nobody it may call while the queue is not empty."""
    query = select(func.count()).where(
        Booking.gate_id == gate.id,
        Booking.direction == direction.value,
        Booking.status == BookingStatus.ARRIVED.value,
        Booking.fee_unpaid.is_(True),
    )
    return int(await uow.session.scalar(query) or 0)


@dataclass(frozen=True, slots=True)
class QueueView:
    """The queue in service order and the cycle's position."""

    bookings: list[Booking]
    position: int


async def ordered_queue(uow: UnitOfWork, gate: Gate, direction: Direction) -> QueueView:
    rows = {b.id: b for b in await waiting(uow, gate, direction)}
    position = await cursor_position(uow, gate, direction, lock=False)
    cycle = ServiceCycle.parse(gate.service_cycle)
    order = service_order([entry_of(b) for b in rows.values()], cycle, position)
    return QueueView([rows[e.id] for e in order], position)


async def lane_of_gate(uow: UnitOfWork, gate: Gate, lane_code: str) -> Lane:
    lane = await uow.session.scalar(
        select(Lane).where(Lane.gate_id == gate.id, Lane.code == lane_code)
    )
    if lane is None:
        raise NotFound(f"no lane {lane_code!r} at {gate.code}")
    return lane


async def set_lane_open(uow: UnitOfWork, gate: Gate, lane: Lane, is_open: bool) -> Lane:
    """Open or close a lane; the boards learn of it at once."""
    if lane.is_open != is_open:
        lane.is_open = is_open
        await uow.session.flush()
        uow.record(
            LaneChanged(gate=gate.code, lane=lane.code, direction=lane.direction, is_open=is_open)
        )
    return lane


# The statuses in which a truck holds its lane: called to it, or being inspected there. A
# held truck is set aside for its papers and a cleared one drives to the exit: the lane can
# take the next.
LANE_HOLDING_STATUSES = (BookingStatus.CALLED.value, BookingStatus.IN_INSPECTION.value)


@dataclass(frozen=True, slots=True)
class LaneHolder:
    """A truck holding a lane: its booking's id (what the audit names) and code (what the
    officer reads)."""

    booking_id: str
    booking_code: str


async def lane_holder(uow: UnitOfWork, gate: Gate, lane: Lane) -> LaneHolder | None:
    """The truck holding ``lane`` (called to it or under inspection there), the earliest
    called; None when the lane is free. Read through the gate, direction and status index
    (a handful of trucks at the lanes, never the yard)."""
    query = (
        select(Booking.id, Booking.code)
        .where(
            Booking.gate_id == gate.id,
            Booking.direction == lane.direction,
            Booking.status.in_(LANE_HOLDING_STATUSES),
            Booking.lane_id == lane.id,
        )
        .order_by(Booking.called_at, Booking.id)
        .limit(1)
    )
    row = (await uow.session.execute(query)).first()
    return None if row is None else LaneHolder(row.id, row.code)


async def call_next(
    uow: UnitOfWork, gate: Gate, lane: Lane, actor: Actor, now: datetime, force: bool = False
) -> Booking | None:
    """Call the vehicle whose turn it is to ``lane``; None when nobody waits who may be called.

    The unpaid-fee rule (issue 19; docs/architecture.md "Fees and payment: the unpaid-fee
    rule"): a truck whose booking's ``fee_unpaid`` is set is passed over (``QueueEntry.held``)
    and keeps its place; the call that passes over the truck whose turn it was says so in its
    audited facts (``passed_over_unpaid``: that truck's booking id), so that the chain shows
    why the order was not followed.

    One truck per lane: a lane that a truck holds (``lane_holder``) refuses the call with
    LaneOccupied (409 ``lane-occupied``, ``lane`` and the holder's ``booking_code``), unless
    ``force``; a forced call is audited as such (facts ``forced``, ``lane_held_by``: the
    holder's booking id). The
    lane is checked under the direction's cursor lock, which every call of the direction
    takes first, so two officers calling to one lane at once cannot both pass the check."""
    if not lane.is_open:
        raise Conflict(f"lane {lane.code} is closed", why="lane-closed")
    direction = Direction(lane.direction)
    position = await cursor_position(uow, gate, direction, lock=True)
    holder = await lane_holder(uow, gate, lane)
    if holder is not None and not force:
        raise LaneOccupied(
            f"lane {lane.code} already has truck {holder.booking_code}; force the call to "
            "send another",
            lane=lane.code,
            booking_code=holder.booking_code,
        )
    rows = {b.id: b for b in await waiting(uow, gate, direction)}
    entries = [entry_of(b) for b in rows.values()]
    cycle = ServiceCycle.parse(gate.service_cycle)
    turn = next_turn(entries, cycle, position)
    if turn is None:
        return None
    entry, new_position = turn
    facts = _call_facts(lane, entry.queue_class, holder)
    if any(e.held for e in entries):
        unheld = [replace(e, held=False) for e in entries]
        due = next_turn(unheld, cycle, position)
        if due is not None and due[0].id != entry.id:
            facts["passed_over_unpaid"] = due[0].id
    booking = rows[entry.id]
    booking.called_at = now
    booking.lane_id = lane.id
    move(
        uow,
        booking,
        gate,
        BookingStatus.CALLED,
        VehicleCalled,
        actor,
        facts=facts,
    )
    await uow.session.execute(
        update(QueueCursor)
        .where(QueueCursor.gate_id == gate.id, QueueCursor.direction == direction.value)
        .values(position=new_position)
    )
    await uow.session.flush()
    return booking


def _call_facts(lane: Lane, queue_class: QueueClass, holder: LaneHolder | None) -> dict[str, Fact]:
    """The audited facts of a call; a call made past a truck holding the lane says so, and
    names that truck's booking by its id (its code is what a kiosk takes: not for a log)."""
    facts: dict[str, Fact] = {"lane": lane.code, "queue_class": queue_class.value}
    if holder is not None:
        facts |= {"forced": True, "lane_held_by": holder.booking_id}
    return facts


async def sweep_missed_calls(uow: UnitOfWork, now: datetime) -> int:
    """Called vehicles that did not reach their lane in time: re-queued behind the on-time
    vehicles once, marked no-show the next time. Returns how many were swept."""
    called = await uow.session.scalars(
        select(Booking)
        .where(Booking.status == BookingStatus.CALLED.value)
        .with_for_update(skip_locked=True)
    )
    gates: dict[str, Gate] = {}
    swept = 0
    for booking in list(called):
        gate = gates.get(booking.gate_id) or await uow.session.get(Gate, booking.gate_id)
        assert gate is not None and booking.called_at is not None
        gates[gate.id] = gate
        if booking.called_at + timedelta(minutes=gate.call_timeout_minutes) > now:
            continue
        if booking.missed_calls < MAX_MISSED_CALLS:
            booking.missed_calls += 1
            booking.queue_behind = True
            booking.lane_id = None
            move(
                uow,
                booking,
                gate,
                BookingStatus.ARRIVED,
                VehicleRequeued,
                SYSTEM,
                reason="did not reach the lane in time",
            )
        else:
            move(
                uow,
                booking,
                gate,
                BookingStatus.NO_SHOW,
                BookingLapsed,
                SYSTEM,
                reason="missed a second call",
            )
        swept += 1
    await uow.session.flush()
    return swept

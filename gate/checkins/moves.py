"""What the verdicts do to bookings: the booked trucks' arrivals and lapses applied to their
(locked) rows in memory (``moved`` says which the service writes back), and a walk-in's
booking made once it has a place. Each move goes through the state machine
(``gate.bookings.transitions.transition``) and gives its audited event; the service records
the events once it knows which moves stand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from gate.bookings.transitions import event_fields, transition
from gate.checkins.verdicts import (
    AlreadyInYard,
    Arrives,
    Judged,
    NeedsConfirmation,
    Refused,
    SameTruckAs,
    TooEarly,
    WalkIn,
)
from gate.domain import bookings as booking_rules
from gate.domain.bookings import BookingStatus
from gate.domain.checkin import CheckinOutcome
from gate.domain.events import BookingCreated, BookingEvent, BookingLapsed, Fact, VehicleArrived
from gate.domain.queue import QueueClass
from gate.store.booking_rows import BookingRow
from gate.store.tables import Gate
from gate.store.types import new_id

Moves = tuple[BookingEvent, ...]


def move_bookings(gate: Gate, judged: Sequence[Judged]) -> list[Moves]:
    """Apply each verdict to the booked truck it names, in the batch's order, and give each
    read's events: an arrival joins the queue, a booking found past its no-show deadline
    lapses. The rows must be locked (the service loaded them ``FOR UPDATE``)."""
    moves: list[Moves] = []
    for item in judged:
        verdict = item.verdict
        match verdict:
            case Arrives(booking=booking):
                if verdict.other_trailer is not None:
                    booking.arrived_trailer_plate = verdict.other_trailer
                facts = _facts(item, trailer_mismatch=verdict.other_trailer is not None)
                arrived = _arrive(
                    booking, gate, item, verdict.timing, verdict.queue_class, verdict.behind, facts
                )
                moves.append((arrived,))
            case Refused() | WalkIn():
                lapsed = verdict.lapsed
                moves.append(() if lapsed is None else (_lapse(lapsed, gate, item),))
            case TooEarly() | NeedsConfirmation() | AlreadyInYard() | SameTruckAs():
                moves.append(())
            case _:
                assert_never(verdict)
    return moves


def moved(judged: Sequence[Judged]) -> list[BookingRow]:
    """The loaded bookings ``move_bookings`` changed, once each in id order (the order their
    rows are written in, as they were locked)."""
    changed: dict[str, BookingRow] = {}
    for item in judged:
        verdict = item.verdict
        if isinstance(verdict, Arrives):
            changed[verdict.booking.id] = verdict.booking
        elif isinstance(verdict, Refused | WalkIn) and verdict.lapsed is not None:
            changed[verdict.lapsed.id] = verdict.lapsed
    return [changed[key] for key in sorted(changed)]


def admit_walk_in(
    gate: Gate, item: Judged, walk_in: WalkIn, slot_id: str
) -> tuple[BookingRow, Moves]:
    """The booking of a walk-in that got a place in ``slot_id`` (not yet stored), arrived in
    the live queue, and its events: created, then arrived."""
    trailer = walk_in.trailer
    booking = BookingRow(
        id=new_id(),
        code=booking_rules.new_booking_code(),
        enterprise_id=None,
        gate_id=gate.id,
        direction=walk_in.direction,
        slot_id=slot_id,
        slot_start=walk_in.hour,
        plate=walk_in.plate,
        active_plate=walk_in.plate,
        trailer_plate=trailer,
        active_trailer_plate=trailer if walk_in.claims_trailer else None,
        status=BookingStatus.BOOKED.value,
        version=1,
        walk_in=True,
        perishable=False,
        missed_calls=0,
        queue_class=None,
        queue_behind=False,
        arrived_at=None,
        arrived_trailer_plate=None,
        predicted_call_at=None,
    )
    created = BookingCreated(
        **event_fields(booking, gate),
        to_status="booked",
        actor=item.reader.actor,
        facts={"walk_in": True},
    )
    # Undeclared cargo and no booking: the live queue, behind every booked vehicle.
    facts = _facts(item)
    arrived = _arrive(booking, gate, item, CheckinOutcome.WALK_IN, QueueClass.REGULAR, True, facts)
    return booking, (created, arrived)


def _facts(item: Judged, trailer_mismatch: bool = False) -> dict[str, Fact]:
    """What the arrival's audit entry marks: by hand, a read corrected, another trailer."""
    facts: dict[str, Fact] = {}
    if item.reader.by_hand:
        facts["manual"] = True
    if item.corrected_from is not None:
        facts["read_corrected"] = True
    if trailer_mismatch:
        facts["trailer_mismatch"] = True
    return facts


def _arrive(
    booking: BookingRow,
    gate: Gate,
    item: Judged,
    outcome: CheckinOutcome,
    queue_class: QueueClass,
    behind: bool,
    facts: dict[str, Fact],
) -> BookingEvent:
    """Into the queue of ``queue_class`` at the time the truck was seen; ``behind`` every
    on-time truck of its class when late or a walk-in."""
    booking.arrived_at = item.event.observed_at
    booking.queue_class = queue_class.value
    booking.queue_behind = behind
    return transition(
        booking,
        gate,
        BookingStatus.ARRIVED,
        VehicleArrived,
        item.reader.actor,
        facts={"outcome": outcome.value, "queue_class": queue_class.value, **facts},
    )


def _lapse(booking: BookingRow, gate: Gate, item: Judged) -> BookingEvent:
    return transition(
        booking,
        gate,
        BookingStatus.NO_SHOW,
        BookingLapsed,
        item.reader.actor,
        reason="arrived after the no-show deadline",
    )

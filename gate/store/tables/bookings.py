"""Bookings of vehicles into slots, and the stored answers of idempotent requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from gate.domain.time import utc_now
from gate.store.tables.base import Base, CreatedMixin, IdMixin


class Booking(IdMixin, CreatedMixin, Base):
    """A vehicle's place in a slot and, once it arrives, in the yard queue. A walk-in (a vehicle
    that came without booking) is a booking made at check-in, with no enterprise or cargo."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_enterprise_slot", "enterprise_id", "slot_start"),
        Index("ix_bookings_slot_status", "slot_id", "status"),
        Index("ix_bookings_gate_direction_status", "gate_id", "direction", "status"),
        # The yard queue's order within a class (gate.domain.queue.QueueEntry.sort_key): the
        # boards read each class's head from it, a check-in its place (gate/yard/counts.py).
        Index(
            "ix_bookings_queue_order",
            *("gate_id", "direction", "status", "queue_class", "spoil_by"),
            *("queue_behind", "slot_start", "arrived_at", "id"),
        ),
        # The boards' latest calls of a gate (forecast accuracy, the last hour's service
        # rate), rebuilt every two seconds: without it each read scanned a year of bookings
        # (docs/benchmarks.md, "Statistics over a year").
        Index("ix_bookings_gate_called", "gate_id", "called_at"),
    )

    code: Mapped[str] = mapped_column(String(16), unique=True)
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprises.id"))
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    direction: Mapped[str] = mapped_column(String(10))
    slot_id: Mapped[str] = mapped_column(ForeignKey("slots.id"))
    slot_start: Mapped[datetime]
    vehicle_id: Mapped[str | None] = mapped_column(ForeignKey("vehicles.id"))
    driver_id: Mapped[str | None] = mapped_column(ForeignKey("drivers.id"))
    plate: Mapped[str] = mapped_column(String(16), index=True)
    # Equals ``plate`` while the booking is active and NULL after: a plain unique index on it
    # is "one active booking per plate" on every database, concurrent requests included.
    active_plate: Mapped[str | None] = mapped_column(String(16), unique=True)
    # The truck's trailer, declared with its vehicle (or read with a walk-in), and the same
    # "active" trick for it. The two unique indexes make one rule across both columns because
    # tractor and trailer plates are disjoint by grammar (gate.domain.plates.check_truck): a
    # trailer's string can never sit in active_plate, nor a tractor's in active_trailer_plate.
    trailer_plate: Mapped[str | None] = mapped_column(String(16))
    active_trailer_plate: Mapped[str | None] = mapped_column(String(16), unique=True)
    cargo_description: Mapped[str | None] = mapped_column(String(500))
    hs_code: Mapped[str | None] = mapped_column(String(10))
    weight_kg: Mapped[float | None]
    perishable: Mapped[bool] = mapped_column(default=False)
    declaration_number: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(300))

    # The yard: set at check-in and by the officers who work the queue.
    walk_in: Mapped[bool] = mapped_column(default=False, server_default=false())
    queue_class: Mapped[str | None] = mapped_column(String(12))
    queue_behind: Mapped[bool] = mapped_column(default=False, server_default=false())
    arrived_at: Mapped[datetime | None]
    called_at: Mapped[datetime | None]
    lane_id: Mapped[str | None] = mapped_column(ForeignKey("lanes.id"))
    missed_calls: Mapped[int] = mapped_column(default=0, server_default="0")
    customs_channel: Mapped[str | None] = mapped_column(String(10))
    status_reason: Mapped[str | None] = mapped_column(String(300))
    exited_at: Mapped[datetime | None]
    # What the forecast said at check-in about when the vehicle would be called; compared
    # with the call that really happened to measure the forecast's error.
    predicted_call_at: Mapped[datetime | None]
    inspection_started_at: Mapped[datetime | None]
    # The trailer the camera read at check-in when it was not the declared one: the truck is
    # admitted and the officers see this flag (a trailer swapped at the border yard, or a
    # declaration to correct).
    arrived_trailer_plate: Mapped[str | None] = mapped_column(String(16))

    # Issue 18, perishables first by deadline (migration 0025): the instant (UTC) by which a
    # perishable load spoils, declared at booking (None: not declared, or not perishable);
    # within its class the queue serves the earliest first. ``spoil_risk_told_at``: when the
    # enterprise was told the forecast call passes it, so it is told once.
    spoil_by: Mapped[datetime | None]
    spoil_risk_told_at: Mapped[datetime | None]

    # Fair rebooking (issue 18; gate/bookings/rebooking.py, docs/architecture.md "Fair
    # rebooking"). The latest hour start the enterprise accepts a move to (None: any hour
    # within the booking horizon); the hour the gate moved the booking from and when; and
    # until when the enterprise may accept or choose another hour (None once answered, or
    # never moved).
    latest_acceptable_at: Mapped[datetime | None]
    rebooked_from: Mapped[datetime | None]
    rebooked_at: Mapped[datetime | None]
    rebooking_open_until: Mapped[datetime | None]

    # No-show accountability (issue 18, migration 0024): an officer of the gate (or the
    # administrator) excused this no-show with a reason, so it leaves the enterprise's no-show
    # rate (gate/domain/no_shows.py); who (the actor's id) and when.
    no_show_excused_at: Mapped[datetime | None]
    no_show_excused_by: Mapped[str | None] = mapped_column(String(36))
    no_show_excuse: Mapped[str | None] = mapped_column(String(300))

    # The infrastructure fee (issue 19, migration 0027): True while the crossing's fee is due
    # and neither paid nor on a monthly statement. The unpaid-fee rule: such a truck waits in
    # the yard and is not called to a lane (gate/yard/service.py::call_next) until it is paid.
    fee_unpaid: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def trailer_mismatch(self) -> bool:
        return self.arrived_trailer_plate is not None


class ClearanceDecisionRow(IdMixin, Base):
    """One agency's decision on one vehicle; the latest of each agency counts."""

    __tablename__ = "clearance_decisions"
    # The boards' agency times read the latest decisions, newest first, every two seconds.
    __table_args__ = (Index("ix_clearance_decisions_decided", "decided_at"),)

    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), index=True)
    agency: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(300))
    officer_id: Mapped[str] = mapped_column(ForeignKey("officers.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utc_now)


class IdempotencyRecord(Base):
    """The first answer to a request sent with an Idempotency-Key, replayed to every retry."""

    __tablename__ = "idempotency_records"

    owner_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)

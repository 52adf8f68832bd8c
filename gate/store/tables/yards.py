"""The road to the gate: waiting yards (bến bãi, bãi chờ) run by yard enterprises, the trucks
that wait in them, dispatch orders (lệnh điều tiết) that send trucks on to a gate's control
yard, and the driver's page (its links and the positions a driver chooses to share).

The control yard itself (the gate's queue, lanes and calls) is ``bookings``; a waiting yard is
upstream of it. Rules for these rows are in ``gate/domain/yards.py`` and
``gate/domain/dispatch.py``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from gate.domain.time import utc_now
from gate.store.tables.base import Base, CreatedMixin, IdMixin


class Yard(IdMixin, CreatedMixin, Base):
    """A waiting yard: run by one yard enterprise (``enterprises.kind = 'yard'``), serving one
    or more gates (``yard_gates``), with ``capacity`` trucks and opening hours in whole hours
    of the gates' clock (``opens_at`` to ``closes_at``, 0 to 24, as a gate direction's)."""

    __tablename__ = "yards"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("opens_at BETWEEN 0 AND 24 AND closes_at BETWEEN 0 AND 24", name="hours"),
    )

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    capacity: Mapped[int]
    opens_at: Mapped[int] = mapped_column(default=0)
    closes_at: Mapped[int] = mapped_column(default=24)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    closed_at: Mapped[datetime | None]  # taken out of service by the administration


class YardGate(Base):
    """A gate that a yard serves: its trucks may be dispatched to that gate."""

    __tablename__ = "yard_gates"

    yard_id: Mapped[str] = mapped_column(ForeignKey("yards.id"), primary_key=True)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), primary_key=True)


class YardDevice(IdMixin, CreatedMixin, Base):
    """A camera or kiosk at a yard's entrance or exit, with its own key (as a gate device)."""

    __tablename__ = "yard_devices"

    yard_id: Mapped[str] = mapped_column(ForeignKey("yards.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # lpr_camera | kiosk
    # What the device watches: trucks coming in ("entry") or going out ("exit").
    watches: Mapped[str] = mapped_column(String(10))
    # Where a walk-in read by this device is heading (a truck with a booking goes where its
    # booking says): required when the yard serves more than one gate.
    gate_id: Mapped[str | None] = mapped_column(ForeignKey("gates.id"))
    direction: Mapped[str | None] = mapped_column(String(10))
    lookup: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]


class YardVisit(IdMixin, CreatedMixin, Base):
    """One truck's stay in a waiting yard, from its check-in to the moment it reaches the gate,
    leaves without an order, or lapses (gate/domain/yards.py: VisitStatus).

    ``active_plate`` equals ``plate`` while the visit is open and NULL after: its unique index
    is "one open visit per truck, across all yards" on every database. ``queue_class`` and
    ``slot_start`` order the yard's trucks exactly as the control yard's queue orders its own
    (gate/domain/queue.py), so dispatch and the queue follow one service order."""

    __tablename__ = "yard_visits"
    __table_args__ = (
        Index("ix_yard_visits_yard_status", "yard_id", "status"),
        Index("ix_yard_visits_gate_direction_status", "gate_id", "direction", "status"),
    )

    yard_id: Mapped[str] = mapped_column(ForeignKey("yards.id"))
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    direction: Mapped[str] = mapped_column(String(10))
    plate: Mapped[str] = mapped_column(String(16), index=True)  # normalised
    active_plate: Mapped[str | None] = mapped_column(String(16), unique=True)
    trailer_plate: Mapped[str | None] = mapped_column(String(16))
    booking_id: Mapped[str | None] = mapped_column(ForeignKey("bookings.id"), index=True)
    queue_class: Mapped[str] = mapped_column(String(12))
    # The booked hour, or the check-in time for a walk-in: the order within a class.
    slot_start: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12))
    entered_at: Mapped[datetime]
    departed_at: Mapped[datetime | None]  # left the yard (on its way to the gate)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(300))
    # Dispatch orders this truck let pass; after a miss it waits behind the others of its
    # class, as a re-queued truck does in the control yard.
    missed_orders: Mapped[int] = mapped_column(default=0, server_default="0")
    behind: Mapped[bool] = mapped_column(default=False, server_default=false())
    version: Mapped[int] = mapped_column(default=1)


class YardCheckinRecord(Base):
    """Every yard device event acted on, with the answer given: a replay gets the same answer
    (as ``checkin_records`` for the gate's devices)."""

    __tablename__ = "yard_checkin_records"

    device_id: Mapped[str] = mapped_column(ForeignKey("yard_devices.id"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("yard_visits.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    fingerprint: Mapped[str] = mapped_column(String(64))
    observed_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    answer: Mapped[bytes] = mapped_column(LargeBinary)


class DispatchRule(Base):
    """How a gate's control yard is fed in one direction (set by its operators): dispatch
    when a class's trucks waiting in the control yard plus those already on their way fall
    below ``target``; give each order ``deadline_minutes`` to reach the gate; or pause."""

    __tablename__ = "dispatch_rules"
    __table_args__ = (
        CheckConstraint("target >= 0", name="target_not_negative"),
        CheckConstraint("deadline_minutes > 0", name="deadline_positive"),
    )

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), primary_key=True)
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    target: Mapped[int] = mapped_column(default=10)
    deadline_minutes: Mapped[int] = mapped_column(default=60)
    paused: Mapped[bool] = mapped_column(default=False, server_default=false())
    paused_reason: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class DispatchOrder(IdMixin, Base):
    """A dispatch order (lệnh điều tiết): the truck of ``visit_id`` is to reach ``gate_id``
    before ``deadline_at``. ``active_visit_id`` equals ``visit_id`` while the order is open and
    NULL after: its unique index means a truck never holds two open orders, whichever process
    issued them. ``issued_by`` is "system" or the officer who dispatched by hand."""

    __tablename__ = "dispatch_orders"
    __table_args__ = (
        Index("ix_dispatch_orders_gate_direction_status", "gate_id", "direction", "status"),
    )

    code: Mapped[str] = mapped_column(String(16), unique=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("yard_visits.id"), index=True)
    active_visit_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    booking_id: Mapped[str | None] = mapped_column(ForeignKey("bookings.id"), index=True)
    yard_id: Mapped[str] = mapped_column(ForeignKey("yards.id"))
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    direction: Mapped[str] = mapped_column(String(10))
    queue_class: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    issued_at: Mapped[datetime]
    deadline_at: Mapped[datetime]
    issued_by: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str | None] = mapped_column(String(300))
    closed_at: Mapped[datetime | None]


class DriverLink(IdMixin, CreatedMixin, Base):
    """A link to the driver's page for one booking: whoever holds it sees that truck and
    nothing else, with no account. Only the SHA-256 of its secret is stored; the enterprise
    revokes it (``revoked_at``) and it ends by itself at ``expires_at``."""

    __tablename__ = "driver_links"

    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str | None] = mapped_column(String(36))
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class TruckPosition(Base):
    """The last position a driver shared from the driver's page, one row per booking: no
    track is kept. Personal data: never public, deleted when the truck reaches the gate and by
    the sweep ``POSITION_RETENTION`` after it was recorded (gate/domain/geo.py)."""

    __tablename__ = "truck_positions"

    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), primary_key=True)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), index=True)
    latitude: Mapped[float]
    longitude: Mapped[float]
    accuracy_m: Mapped[float | None]
    recorded_at: Mapped[datetime] = mapped_column(index=True)
    # The estimate made from it: minutes to the truck's destination (its yard, or the gate
    # once dispatched) and the destination's kind, "yard" or "gate".
    destination: Mapped[str] = mapped_column(String(10))
    estimated_arrival_at: Mapped[datetime | None]
    # The yard heading to, when ``destination`` is "yard" (None: the booking's gate).
    destination_yard_id: Mapped[str | None] = mapped_column(ForeignKey("yards.id"))

"""Gates (cửa khẩu), their lanes, and the slot calendar: schedules, overrides, closures, slots."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from gate.store.tables.base import Base, CreatedMixin, IdMixin


class Gate(IdMixin, CreatedMixin, Base):
    __tablename__ = "gates"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    # The name in Chinese, for the pages in Chinese (None: they show name_en).
    name_zh: Mapped[str | None] = mapped_column(String(200))
    counterpart: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    # Grace windows around a slot for check-in (used by the check-in flow).
    grace_early_minutes: Mapped[int] = mapped_column(default=30)
    grace_late_minutes: Mapped[int] = mapped_column(default=60)
    # How long a called vehicle has to reach its lane before it is skipped.
    call_timeout_minutes: Mapped[int] = mapped_column(default=10, server_default="10")
    # The gate operator pauses the gate (weather, the other side stopped taking vehicles):
    # the public board says so.
    paused: Mapped[bool] = mapped_column(default=False, server_default=false())
    paused_reason: Mapped[str | None] = mapped_column(String(300))
    # The yard queue's priority cycle, e.g. "perishable:1,aeo:1,regular:5".
    service_cycle: Mapped[str] = mapped_column(
        String(200),
        default="perishable:1,aeo:1,regular:5",
        server_default="perishable:1,aeo:1,regular:5",
    )
    # Where the control yard is (WGS 84 degrees): the driver's page estimates arrival from it.
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # The series (ký hiệu) of the gate's fee invoices, e.g. HN (issue 19; migration 0027 gives
    # each gate its default, gate.domain.fees.default_series).
    invoice_series: Mapped[str | None] = mapped_column(String(6))


class GateDirection(Base):
    """The ordinary day of one direction at one gate: opening hours and hourly capacity."""

    __tablename__ = "gate_directions"
    __table_args__ = (
        CheckConstraint("hourly_capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("opens_at BETWEEN 0 AND 24 AND closes_at BETWEEN 0 AND 24", name="hours"),
    )

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), primary_key=True)
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    hourly_capacity: Mapped[int]
    opens_at: Mapped[int] = mapped_column(default=0)
    closes_at: Mapped[int] = mapped_column(default=24)


class Lane(IdMixin, CreatedMixin, Base):
    __tablename__ = "lanes"
    __table_args__ = (UniqueConstraint("gate_id", "code"),)

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    direction: Mapped[str] = mapped_column(String(10))
    is_open: Mapped[bool] = mapped_column(default=True)


class SlotOverride(Base):
    """An administrator's capacity for one particular hour, instead of the ordinary day's."""

    __tablename__ = "slot_overrides"
    __table_args__ = (CheckConstraint("capacity >= 0", name="capacity_not_negative"),)

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), primary_key=True)
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(primary_key=True)
    capacity: Mapped[int]


class Closure(IdMixin, CreatedMixin, Base):
    """A holiday or the other side's closure: no places while it lasts."""

    __tablename__ = "closures"

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), index=True)
    direction: Mapped[str | None] = mapped_column(String(10))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(300))


class Slot(IdMixin, Base):
    """A bookable hour, materialised on its first booking. ``booked`` moves only by conditional
    updates in the transaction that creates, moves or cancels a booking, so it equals the count
    of the slot's active bookings and never passes ``capacity``."""

    __tablename__ = "slots"
    __table_args__ = (
        UniqueConstraint("gate_id", "direction", "starts_at", name="uq_slots_gate_direction_start"),
        CheckConstraint("booked >= 0", name="booked_not_negative"),
    )

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    direction: Mapped[str] = mapped_column(String(10))
    starts_at: Mapped[datetime]
    capacity: Mapped[int]
    booked: Mapped[int] = mapped_column(default=0)


class QueueCursor(Base):
    """Whose turn it is in the priority cycle of a gate's queue in one direction; moved in the
    transaction that calls a vehicle, under a row lock, so two operators cannot both take it."""

    __tablename__ = "queue_cursors"

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), primary_key=True)
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)


class QueueCount(Base):
    """How many vehicles wait in one part of a gate's yard queue: a direction, a class
    (``queue_class``; '' for a vehicle without one) and on time or behind. Kept by triggers
    on ``bookings`` (migration 0017) in the transaction of every change to a waiting
    vehicle, whatever statement makes it, so a check-in's place and the boards' counts are
    read from here instead of counted over the yard. ``gate.yard.counts.rebuild`` recounts."""

    __tablename__ = "queue_counts"

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), primary_key=True)
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    queue_class: Mapped[str] = mapped_column(String(12), primary_key=True)
    behind: Mapped[bool] = mapped_column(primary_key=True)
    waiting: Mapped[int] = mapped_column(default=0)
    # Of those, how many carry a spoil-by (migration 0025): served first within the class.
    with_spoil_by: Mapped[int] = mapped_column(default=0, server_default="0")


class Notice(IdMixin, CreatedMixin, Base):
    """A notice posted by a gate operator on the public board (thông báo)."""

    __tablename__ = "notices"

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    posted_by: Mapped[str | None] = mapped_column(String(36))
    expires_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

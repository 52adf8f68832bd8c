"""Bookings of vehicles into slots, and the stored answers of idempotent requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from gate.domain.time import utc_now
from gate.store.tables.base import Base, CreatedMixin, IdMixin


class Booking(IdMixin, CreatedMixin, Base):
    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_enterprise_slot", "enterprise_id", "slot_start"),
        Index("ix_bookings_slot_status", "slot_id", "status"),
    )

    code: Mapped[str] = mapped_column(String(16), unique=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"))
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    direction: Mapped[str] = mapped_column(String(10))
    slot_id: Mapped[str] = mapped_column(ForeignKey("slots.id"))
    slot_start: Mapped[datetime]
    vehicle_id: Mapped[str] = mapped_column(ForeignKey("vehicles.id"))
    driver_id: Mapped[str] = mapped_column(ForeignKey("drivers.id"))
    plate: Mapped[str] = mapped_column(String(16), index=True)
    # Equals ``plate`` while the booking is active and NULL after: a plain unique index on it
    # is "one active booking per plate" on every database, concurrent requests included.
    active_plate: Mapped[str | None] = mapped_column(String(16), unique=True)
    cargo_description: Mapped[str] = mapped_column(String(500))
    hs_code: Mapped[str | None] = mapped_column(String(10))
    weight_kg: Mapped[float]
    perishable: Mapped[bool] = mapped_column(default=False)
    declaration_number: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(300))


class IdempotencyRecord(Base):
    """The first answer to a request sent with an Idempotency-Key, replayed to every retry."""

    __tablename__ = "idempotency_records"

    owner_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)

"""Gate devices (thiết bị tại cổng): LPR cameras and kiosks, and the events they sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gate.domain.time import utc_now
from gate.store.tables.base import Base, CreatedMixin, IdMixin


class Device(IdMixin, CreatedMixin, Base):
    __tablename__ = "devices"

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # lpr_camera | kiosk
    # The yard entrance a camera watches; a walk-in is queued in this direction.
    direction: Mapped[str | None] = mapped_column(String(10))
    lookup: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]


class CheckinRecord(Base):
    """Every device event acted on, with the answer given: a replay gets the same answer.
    Kept for GATE_DEVICE_EVENT_RETENTION_HOURS after ``received_at``, then purged by the sweep
    (what happened to the truck stays in its booking and the audit log)."""

    __tablename__ = "checkin_records"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    booking_id: Mapped[str | None] = mapped_column(ForeignKey("bookings.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    observed_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    answer: Mapped[bytes] = mapped_column(LargeBinary)
    # SHA-256 (hex) of the event's canonical payload (gate/devices/fingerprint.py): a retry
    # must match it. NULL on records made before migration 0007: those replay as before.
    fingerprint: Mapped[str | None] = mapped_column(String(64))


class PendingRead(IdMixin, CreatedMixin, Base):
    """A camera read that fits several expected trucks after folding confusable characters:
    nobody is checked in until an officer says which truck it was. Few rows, apart from the
    check-in records, so the hot path pays nothing for them."""

    __tablename__ = "pending_reads"
    __table_args__ = (Index("ix_pending_reads_gate_resolved", "gate_id", "resolved_at"),)

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    direction: Mapped[str | None] = mapped_column(String(10))
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    event_id: Mapped[str] = mapped_column(String(100))
    plate_read: Mapped[str] = mapped_column(String(40))  # normalised; officers only
    candidate_ids: Mapped[str] = mapped_column(Text)  # booking ids, space-separated
    observed_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(36))  # the officer
    booking_id: Mapped[str | None] = mapped_column(ForeignKey("bookings.id"))

    @property
    def candidates(self) -> list[str]:
        return self.candidate_ids.split()

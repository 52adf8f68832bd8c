"""An enterprise's fleet: vehicles (phương tiện) and drivers (lái xe), and the grants by which
a vehicle's holder lets another enterprise book it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gate.store.tables.base import Base, CreatedMixin, IdMixin


class Vehicle(IdMixin, CreatedMixin, Base):
    """A truck, held by one enterprise at a time: its normalised plate is unique across all
    enterprises (migration 0006). ``enterprise_id`` is the holder; only the administration's
    transfer changes it."""

    __tablename__ = "vehicles"

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    plate: Mapped[str] = mapped_column(String(16), unique=True, index=True)  # normalised
    country: Mapped[str] = mapped_column(String(2))
    trailer_plate: Mapped[str | None] = mapped_column(String(16))  # normalised
    vehicle_type: Mapped[str] = mapped_column(String(30))
    # The registration certificate's number (giấy đăng ký xe), normalised; the evidence a
    # transfer is checked against. Optional at registration, set by the first transfer.
    registration_number: Mapped[str | None] = mapped_column(String(20))


class VehicleGrant(IdMixin, CreatedMixin, Base):
    """The holder's leave for another enterprise to book one of its vehicles until
    ``valid_until`` (UTC). Revoked by the holder, or by a transfer of the vehicle."""

    __tablename__ = "vehicle_grants"
    __table_args__ = (
        Index("ix_vehicle_grants_grantee_vehicle", "grantee_id", "vehicle_id"),
        Index("ix_vehicle_grants_holder", "holder_id", "created_at"),
    )

    vehicle_id: Mapped[str] = mapped_column(ForeignKey("vehicles.id"), index=True)
    # The holder when the grant was given: a grant speaks only for the enterprise that gave
    # it, so it lapses the moment the vehicle has another holder.
    holder_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"))
    grantee_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"))
    valid_until: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(String(300))


class Driver(IdMixin, CreatedMixin, Base):
    __tablename__ = "drivers"
    __table_args__ = (UniqueConstraint("enterprise_id", "id_number"),)

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # Citizen ID (CCCD) or passport number; personal data, never public.
    id_number: Mapped[str] = mapped_column(String(30))
    phone: Mapped[str] = mapped_column(String(20))
    nationality: Mapped[str] = mapped_column(String(2))

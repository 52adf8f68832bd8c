"""An enterprise's fleet: vehicles (phương tiện) and drivers (lái xe)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gate.store.tables.base import Base, CreatedMixin, IdMixin


class Vehicle(IdMixin, CreatedMixin, Base):
    __tablename__ = "vehicles"
    __table_args__ = (UniqueConstraint("enterprise_id", "plate"),)

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    plate: Mapped[str] = mapped_column(String(16), index=True)  # normalised
    country: Mapped[str] = mapped_column(String(2))
    trailer_plate: Mapped[str | None] = mapped_column(String(16))  # normalised
    vehicle_type: Mapped[str] = mapped_column(String(30))


class Driver(IdMixin, CreatedMixin, Base):
    __tablename__ = "drivers"
    __table_args__ = (UniqueConstraint("enterprise_id", "id_number"),)

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # Citizen ID (CCCD) or passport number; personal data, never public.
    id_number: Mapped[str] = mapped_column(String(30))
    phone: Mapped[str] = mapped_column(String(20))
    nationality: Mapped[str] = mapped_column(String(2))

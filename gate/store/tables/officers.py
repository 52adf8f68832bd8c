"""Officers (cán bộ): border guard, customs, quarantine and gate operators, and their gates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gate.store.tables.base import Base, CreatedMixin, IdMixin


class Officer(IdMixin, CreatedMixin, Base):
    __tablename__ = "officers"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    agency: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled_at: Mapped[datetime | None]


class OfficerGate(Base):
    """A gate an officer serves; an officer acts only at these."""

    __tablename__ = "officer_gates"

    officer_id: Mapped[str] = mapped_column(ForeignKey("officers.id"), primary_key=True)
    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"), primary_key=True)

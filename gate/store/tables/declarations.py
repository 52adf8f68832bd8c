"""The versions of a booking's declaration (issue 18): one row per amendment, the booking's
first declaration written as version 1 beside the first amendment (gate/bookings/
declarations.py says why). The booking's own columns hold the current declaration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gate.domain.time import utc_now
from gate.store.tables.base import Base, IdMixin


class BookingDeclaration(IdMixin, Base):
    """Version ``version`` (1, 2, …) of booking ``booking_id``'s declaration, as it became:
    the whole declaration, not only the fields changed, so that any version reads alone.
    ``actor_kind``, ``actor_id`` and ``role``: who declared it, as the audit log names
    actors (an enterprise's user or, for an API key, the enterprise); ``declared_at`` UTC."""

    __tablename__ = "booking_declarations"
    __table_args__ = (UniqueConstraint("booking_id", "version"),)

    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), index=True)
    version: Mapped[int]
    cargo_description: Mapped[str] = mapped_column(String(500))
    weight_kg: Mapped[float]
    perishable: Mapped[bool]
    hs_code: Mapped[str | None] = mapped_column(String(10))
    declaration_number: Mapped[str | None] = mapped_column(String(12))
    driver_id: Mapped[str | None] = mapped_column(ForeignKey("drivers.id"))
    spoil_by: Mapped[datetime | None]
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(36))
    role: Mapped[str | None] = mapped_column(String(30))
    declared_at: Mapped[datetime] = mapped_column(default=utc_now)

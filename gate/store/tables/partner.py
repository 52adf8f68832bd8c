"""The partner gate's announcements (issue 18, "Capacity follows the other side"): its
capacity per hour over a span, or a closure (capacity 0), each with its source, reference and
time; kept when replaced or withdrawn (the history). The rules: gate/domain/partner.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gate.store.tables.base import Base, CreatedMixin, IdMixin


class PartnerAnnouncement(IdMixin, CreatedMixin, Base):
    """One announcement of the partner gate for ``[starts_at, ends_at)`` in ``direction``
    (None: both): ``capacity`` trucks per hour (0: closed). ``feed_id``: the partner feed's
    own id of it, unique per gate (a feed's retry finds the row it made). Who entered it:
    ``actor_kind``/``actor_id`` (the administrator, an officer). ``withdrawn_at`` and
    ``withdrawn_reason`` once withdrawn (who withdrew it: the gate's audit chain): it counts no
    more, and stays."""

    __tablename__ = "partner_announcements"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("ends_at > starts_at", name="span"),
        UniqueConstraint("gate_id", "feed_id", name="uq_partner_announcements_gate_feed"),
        Index("ix_partner_announcements_gate_ends", "gate_id", "ends_at"),
    )

    gate_id: Mapped[str] = mapped_column(ForeignKey("gates.id"))
    direction: Mapped[str | None] = mapped_column(String(10))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int]
    source: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(200))
    announced_at: Mapped[datetime]
    feed_id: Mapped[str | None] = mapped_column(String(64))
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(36))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(String(300))

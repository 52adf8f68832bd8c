"""What people chose about the messages they get (issue 15): a driver's choices, set by the
driver on their page or by their enterprise, and an enterprise user's, set by themselves.
No row: the defaults of gate/messages/preferences.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gate.domain.time import utc_now
from gate.store.tables.base import Base


class DriverMessagePreference(Base):
    """A driver's channels (gate.domain.messages.Channel values), an optional e-mail address
    (personal data: only its driver and enterprise see it), language (vi | zh | en) and quiet
    hours ("HH:MM" local, both or neither)."""

    __tablename__ = "driver_message_preferences"

    driver_id: Mapped[str] = mapped_column(ForeignKey("drivers.id"), primary_key=True)
    channels: Mapped[list[str]] = mapped_column(JSON)
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5))
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class UserMessagePreference(Base):
    """An enterprise user's channels, optional phone (for SMS and Zalo; personal data, only
    its user sees it), language, quiet hours and the topics they chose
    (gate.domain.messages.USER_TOPICS)."""

    __tablename__ = "user_message_preferences"

    user_id: Mapped[str] = mapped_column(ForeignKey("enterprise_users.id"), primary_key=True)
    channels: Mapped[list[str]] = mapped_column(JSON)
    phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(5))
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    topics: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)

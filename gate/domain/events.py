"""Domain events: every state change is one. Written with the change, published after commit."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from gate.domain.time import utc_now


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    name: ClassVar[str] = "event"
    occurred_at: datetime = field(default_factory=utc_now)

    def payload(self) -> dict[str, Any]:
        """A JSON-ready dict; only what the event's subscribers may see goes in here."""
        data = asdict(self)
        data["occurred_at"] = self.occurred_at.isoformat()
        return {"event": self.name, **data}


@dataclass(frozen=True, kw_only=True)
class SlotEvent(DomainEvent):
    """Something that changed the places of a slot. Carries no personal data."""

    booking_id: str
    enterprise_id: str
    gate: str
    direction: str
    slot_start: str


@dataclass(frozen=True, kw_only=True)
class BookingCreated(SlotEvent):
    name: ClassVar[str] = "booking.created"


@dataclass(frozen=True, kw_only=True)
class BookingRescheduled(SlotEvent):
    name: ClassVar[str] = "booking.rescheduled"
    previous_slot_start: str


@dataclass(frozen=True, kw_only=True)
class BookingCancelled(SlotEvent):
    name: ClassVar[str] = "booking.cancelled"

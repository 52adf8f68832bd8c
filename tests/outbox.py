"""An expander and a sender of a test channel for the outbox's core: real classes the
dispatcher is handed as the webhooks' and messages' are, recording what they were asked."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.events import BookingCreated, BookingEvent, VehicleArrived
from gate.outbox.protocols import NewDelivery, Outcome
from gate.store.tables import Delivery, OutboxEvent
from gate.store.unit_of_work import UnitOfWork

CHANNEL = "test"


class EveryEvent:
    """One delivery of the test channel per event, to one recipient (or the event's
    enterprise)."""

    def __init__(self, recipient: str | None = None) -> None:
        self.recipient = recipient

    async def expand(self, session: AsyncSession, event: OutboxEvent) -> list[NewDelivery]:
        return [
            NewDelivery(
                channel=CHANNEL,
                recipient_kind="enterprise",
                recipient_id=self.recipient or event.enterprise_id,
                payload={"name": event.name, "event_id": event.event_id},
            )
        ]


class Recorder:
    """Answers each attempt with ``answer(delivery, attempt_number)`` (delivered when None),
    and keeps every attempt: (delivery id, booking, event name)."""

    def __init__(self, answer: Callable[[Delivery, int], Outcome | None] | None = None) -> None:
        self.answer = answer
        self.attempts: list[tuple[str, str, str]] = []
        self.delivered: list[tuple[str, str, str]] = []
        self.tries: Counter[str] = Counter()
        self.changed = asyncio.Condition()

    async def send(self, delivery: Delivery) -> Outcome:
        self.tries[delivery.id] += 1
        entry = (delivery.id, delivery.ordering_key, str(delivery.payload["name"]))
        self.attempts.append(entry)
        outcome = self.answer(delivery, self.tries[delivery.id]) if self.answer else None
        if outcome is None:
            self.delivered.append(entry)
        async with self.changed:
            self.changed.notify_all()
        return outcome or Outcome.delivered(200)

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 30) -> None:
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(condition)

    def per_booking(self) -> dict[str, list[str]]:
        names: dict[str, list[str]] = defaultdict(list)
        for _, booking, name in self.delivered:
            names[booking].append(name)
        return dict(names)


def booking_event(booking_id: str, cls: type[BookingEvent] = BookingCreated) -> BookingEvent:
    return cls(
        booking_id=booking_id,
        enterprise_id="enterprise-1",
        gate="tan-thanh",
        gate_id="gate-of-the-test",
        direction="export",
        slot_start="2026-12-01T01:00:00+00:00",
    )


async def record_bookings(
    new_uow: Callable[[], UnitOfWork], bookings: list[str], per_booking: int = 2
) -> None:
    """For each booking, ``per_booking`` events (created, then arrivals), one commit each."""
    for step in range(per_booking):
        for booking in bookings:
            async with new_uow() as uow:
                uow.record(booking_event(booking, BookingCreated if step == 0 else VehicleArrived))
                await uow.commit()

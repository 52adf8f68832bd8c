"""The capacity.changed webhooks: for a calendar change at a gate, one per subscribed endpoint
of each enterprise with bookings still to come in the hours and directions it touched,
listing those bookings (the enterprise's own only)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gate.gates.touched import Touched
from gate.outbox.protocols import NewDelivery
from gate.store.tables import Booking, Gate, OutboxEvent, WebhookEndpoint

KIND = "capacity.changed"
# The change's own fields a webhook carries (gate/domain/events.py, GateCalendarChanged).
_CHANGE_FIELDS = (
    "gate",
    "change",
    "directions",
    "starts_at",
    "ends_at",
    "capacity_before",
    "capacity_after",
    "reason",
)


def capacity_data(payload: dict[str, Any], bookings: list[Booking]) -> dict[str, Any]:
    """The ``data`` of a capacity.changed webhook: what changed (the change's fields, absent
    in an event written before they were) and ``bookings``, one enterprise's touched
    bookings in slot order: id, code, direction and slot start (ISO 8601, UTC)."""
    data: dict[str, Any] = {name: payload[name] for name in _CHANGE_FIELDS if name in payload}
    data["bookings"] = [
        {
            "booking_id": booking.id,
            "booking_code": booking.code,
            "direction": booking.direction,
            "slot_start": booking.slot_start.isoformat(),
        }
        for booking in bookings
    ]
    return data


async def capacity_deliveries(
    session: AsyncSession, event: OutboxEvent, channel: str
) -> list[NewDelivery]:
    """The deliveries of one ``gate.calendar_changed`` event: none for an enterprise with no
    booking still to come in what it touched (``Touched``), nor for one with no enabled
    endpoint subscribed to capacity.changed."""
    gate_id = event.gate_id or await session.scalar(
        select(Gate.id).where(Gate.code == event.payload.get("gate"))
    )
    if gate_id is None:
        return []
    touched = Touched.of(event.payload, gate_id)
    rows = await session.scalars(
        select(Booking)
        .where(touched.bookings(event.occurred_at), Booking.enterprise_id.is_not(None))
        .order_by(Booking.slot_start, Booking.code)
    )
    by_enterprise: dict[str, list[Booking]] = defaultdict(list)
    for booking in rows:
        if booking.enterprise_id is not None:
            by_enterprise[booking.enterprise_id].append(booking)
    if not by_enterprise:
        return []
    endpoints = await session.scalars(
        select(WebhookEndpoint)
        .where(
            WebhookEndpoint.enterprise_id.in_(list(by_enterprise)),
            WebhookEndpoint.enabled.is_(True),
        )
        .order_by(WebhookEndpoint.id)
    )
    timestamp = event.occurred_at.isoformat()
    return [
        NewDelivery(
            channel=channel,
            endpoint_id=endpoint.id,
            payload={
                "type": KIND,
                "timestamp": timestamp,
                "data": capacity_data(event.payload, by_enterprise[endpoint.enterprise_id]),
            },
        )
        for endpoint in endpoints
        if KIND in endpoint.event_types
    ]

"""The ``webhook`` channel's expander: one delivery per enabled endpoint of the event's
enterprise subscribed to its type, the Standard Webhooks body built once for all of them; a
capacity change, the gate's event, to each enterprise it touched (gate/webhooks/capacity.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.outbox import WEBHOOK_TYPE_OF_NAME
from gate.domain.plates import format_plate
from gate.outbox.protocols import NewDelivery
from gate.store.tables import Booking, OutboxEvent, WebhookEndpoint
from gate.webhooks.capacity import KIND, capacity_deliveries

CHANNEL = "webhook"
_MEMO = "webhook_endpoints"  # the session.info key of _enabled_endpoints' memory

# What each type adds to the booking's fields, from the event's facts (and fields).
ADDED_FIELDS: dict[str, tuple[str, ...]] = {
    "booking.rescheduled": ("previous_slot_start",),
    "booking.rebooked": ("previous_slot_start", "cause", "respond_by"),
    "booking.cancelled": ("reason",),
    "booking.lapsed": ("reason",),
    "truck.called": ("lane",),
    "truck.clearance_decided": ("agency", "decision", "channel", "reason"),
    "truck.dispatched": ("order_code", "deadline_at", "queue_class"),
    "cargo.spoil_risk": ("spoil_by", "forecast_call_at"),
    "fee.paid": ("invoice_number", "amount_vnd", "paid_amount_vnd"),
    "fee.refund_due": ("invoice_number", "amount_vnd", "refund_amount_vnd", "rule"),
    "fee.voided": ("invoice_number", "amount_vnd", "rule"),
    "fee.refunded": ("invoice_number", "amount_vnd", "refund_amount_vnd"),
}


def webhook_data(kind: str, payload: dict[str, Any], booking: Booking | None) -> dict[str, Any]:
    """The ``data`` of a webhook of type ``kind`` from its event's ``payload``: the booking's
    id and code, gate, direction, slot, status and plate (the enterprise's own data), and what
    the type adds (the lane called to, the agency and outcome of a decision, the dispatch
    order's code and deadline). Nothing of another enterprise: the event is its booking's."""
    facts = payload.get("facts") or {}
    data: dict[str, Any] = {
        "booking_id": payload.get("booking_id"),
        "booking_code": booking.code if booking is not None else None,
        "gate": payload.get("gate"),
        "direction": payload.get("direction"),
        "slot_start": payload.get("slot_start")
        or (booking.slot_start.isoformat() if booking else None),
        "status": payload.get("to_status") or (booking.status if booking else None),
        "plate": format_plate(booking.plate) if booking is not None else None,
    }
    if kind.startswith("fee."):
        # A fee's event carries the fee's statuses; the booking's stays the booking's.
        data["status"] = booking.status if booking is not None else None
        data["fee_status"] = payload.get("to_status")
    for name in ADDED_FIELDS.get(kind, ()):
        value = facts.get(name, payload.get(name))
        if value is not None:
            data[name] = value
    return data


class WebhookExpander:
    """Expands the outboxed events of an enterprise's bookings into its webhooks."""

    async def expand(self, session: AsyncSession, event: OutboxEvent) -> list[NewDelivery]:
        kind = WEBHOOK_TYPE_OF_NAME.get(event.name)
        if kind == KIND:  # the gate's event: each touched enterprise its own
            return await capacity_deliveries(session, event, CHANNEL)
        if kind is None or event.enterprise_id is None:
            return []
        endpoints = await _enabled_endpoints(session, event.enterprise_id)
        subscribed = [endpoint_id for endpoint_id, types in endpoints if kind in types]
        if not subscribed:
            return []
        booking = await session.get(Booking, event.booking_id) if event.booking_id else None
        body = {
            "type": kind,
            "timestamp": event.occurred_at.isoformat(),
            "data": webhook_data(kind, event.payload, booking),
        }
        return [
            NewDelivery(channel=CHANNEL, endpoint_id=endpoint_id, payload=body)
            for endpoint_id in subscribed
        ]


async def _enabled_endpoints(
    session: AsyncSession, enterprise_id: str
) -> list[tuple[str, frozenset[str]]]:
    """The enterprise's enabled endpoints (id, the types each takes), read once per
    transaction: a round expands up to 50 events, on a busy gate mostly of a few enterprises
    (a query each, not one per event). Kept on the session for its transaction only."""
    transaction = session.sync_session.get_transaction()
    held = session.info.get(_MEMO)
    if held is None or held[0] is not transaction:
        held = session.info[_MEMO] = (transaction, {})
    memo: dict[str, list[tuple[str, frozenset[str]]]] = held[1]
    found = memo.get(enterprise_id)
    if found is None:
        rows = await session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(
                WebhookEndpoint.enterprise_id == enterprise_id,
                WebhookEndpoint.enabled.is_(True),
            )
        )
        found = memo[enterprise_id] = [(each, frozenset(types)) for each, types in rows]
    return found

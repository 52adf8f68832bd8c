"""The messages' expander: for one outbox event, the people told of it and, for each person
and channel they chose (among those the platform offers), one delivery with the text
rendered in their language and its due time after quiet hours and the rate limit
(gate/domain/messages.py). Who is told:

* the booking's driver (``bookings.driver_id``) of a dispatch order, a lane call, an exit;
* the users of the booking's enterprise who chose the event's topic; for a capacity change,
  those of every enterprise with a booking still to come in the hours and directions it
  touched;
* every manager of the enterprise when one of its webhook endpoints was disabled;
* the person an account's mail is for (gate/messages/account_mail.py): an applicant, an
  invitee, a user who asked for a new password.

Reads only; the dispatcher inserts the deliveries in the transaction that marks the event
expanded, so two dispatchers never expand one event twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gate.config import Settings
from gate.domain.locale import clock, gate_name, when
from gate.domain.messages import (
    ADMIN_EVENT,
    ADMIN_ROLE,
    ADMIN_TOPIC,
    DRIVER_EVENTS,
    MANAGERS_ALWAYS_TOLD,
    URGENT_FOR_DRIVERS,
    Channel,
    due_at,
    topic_of,
)
from gate.domain.plates import format_plate
from gate.domain.time import utc_now
from gate.gates.touched import Touched
from gate.messages.account_mail import ACCOUNT_MAIL, account_mail_deliveries
from gate.messages.preferences import Choices, driver_choices, offered_channels, users_choices
from gate.messages.texts import direction_word, disabled_reason, render, vnd
from gate.messages.zalo import template_of
from gate.outbox.protocols import NewDelivery, OutboxEventRow
from gate.store.tables import Booking, Delivery, Driver, EnterpriseUser, Gate, WebhookEndpoint

RATE_WINDOW = timedelta(hours=1)
# Deliveries that reached or will reach the person count against the limit.
COUNTED = ("pending", "delivered")
DRIVER_KINDS = {
    "dispatch.issued": "driver.dispatch",
    "vehicle.called": "driver.called",
    "vehicle.exited": "driver.exited",
}


@dataclass(frozen=True)
class Person:
    """Someone to tell: ``kind`` (driver | user), id, choices, and the addresses the account
    has (a driver's phone; a user's e-mail) beside the one chosen."""

    kind: str
    id: str
    choices: Choices
    phone: str | None
    email: str | None

    def address(self, channel: Channel) -> str | None:
        return self.email if channel is Channel.EMAIL else self.phone


def _slot(moment: datetime | str | None, language: str) -> str:
    """A day and hour as the recipient's language writes it (the pages' ``when``)."""
    return when(moment, language) if moment else ""


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _hm(moment: str | None, language: str) -> str:
    return clock(moment, language) if moment else ""


class MessageExpander:
    """The ``Expander`` of messages (gate/outbox/protocols.py). ``clock``: now, for tests."""

    def __init__(self, settings: Settings, clock: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings
        self.clock = clock

    async def expand(self, session: AsyncSession, event: OutboxEventRow) -> list[NewDelivery]:
        """The deliveries of ``event`` (module docstring); none when no channel is offered."""
        offered = offered_channels(self.settings)
        if not offered:
            return []
        if event.name == ACCOUNT_MAIL:
            return await account_mail_deliveries(session, self.settings, event)
        payload: dict[str, Any] = event.payload
        if event.name == ADMIN_EVENT:
            # The managers know an endpoint by its URL, not its id: the event carries none
            # (events stay free of what their subscribers need not see).
            url = await session.scalar(
                select(WebhookEndpoint.url).where(WebhookEndpoint.id == payload.get("endpoint_id"))
            )
            payload = {**payload, "url": url, "disabled_reason": payload.get("reason")}
        booking = await session.get(Booking, event.booking_id) if event.booking_id else None
        gate = await self._gate(session, event, booking, payload)
        now = self.clock()
        made: list[NewDelivery] = []
        if event.name in DRIVER_EVENTS and booking is not None and booking.driver_id:
            driver = await session.get(Driver, booking.driver_id)
            if driver is not None:
                chosen = await driver_choices(session, driver)
                person = Person("driver", driver.id, chosen, driver.phone, chosen.address)
                fields = _fields(payload, booking, gate, person.choices.language, plate=True)
                urgent = event.name in URGENT_FOR_DRIVERS
                made += await self._deliveries(
                    session, person, DRIVER_KINDS[event.name], fields, urgent, offered, now
                )
        topic = topic_of(event.name)
        if topic is not None:
            for person in await self._users(session, event, topic, gate):
                fields = _fields(payload, booking, gate, person.choices.language, plate=False)
                made += await self._deliveries(session, person, topic, fields, False, offered, now)
        return made

    async def _gate(
        self, session: AsyncSession, event: OutboxEventRow, booking: Booking | None, payload: Any
    ) -> Gate | None:
        gate_id = event.gate_id or (booking.gate_id if booking else None)
        if gate_id:
            return await session.get(Gate, gate_id)
        code = payload.get("gate")
        if not code:
            return None
        found: Gate | None = await session.scalar(select(Gate).where(Gate.code == code))
        return found

    async def _users(
        self,
        session: AsyncSession,
        event: OutboxEventRow,
        topic: str,
        gate: Gate | None,
    ) -> list[Person]:
        """The enterprise users told of ``topic``, with their choices."""
        if topic == "capacity.changed":
            if gate is None:
                return []
            # The enterprises with a booking still to come in the hours and directions the
            # change touched (gate/gates/touched.py), as of the change.
            touched = Touched.of(event.payload, gate.id).bookings(event.occurred_at)
            enterprises = select(Booking.enterprise_id).where(
                touched, Booking.enterprise_id.is_not(None)
            )
            where: ColumnElement[bool] = EnterpriseUser.enterprise_id.in_(enterprises)
        elif event.enterprise_id:
            where = EnterpriseUser.enterprise_id == event.enterprise_id
        else:
            return []
        query = select(EnterpriseUser).where(where, EnterpriseUser.disabled_at.is_(None))
        if topic == ADMIN_TOPIC:
            query = query.where(EnterpriseUser.role == ADMIN_ROLE)
        users = list(await session.scalars(query.order_by(EnterpriseUser.id)))
        chosen = await users_choices(session, users)
        return [
            Person("user", u.id, chosen[u.id], chosen[u.id].address, u.email)
            for u in users
            if topic == ADMIN_TOPIC
            or topic in chosen[u.id].topics
            or (topic in MANAGERS_ALWAYS_TOLD and u.role == ADMIN_ROLE)
        ]

    async def _deliveries(
        self,
        session: AsyncSession,
        person: Person,
        kind: str,
        fields: dict[str, str],
        urgent: bool,
        offered: Sequence[Channel],
        now: datetime,
    ) -> list[NewDelivery]:
        """One delivery per channel the person chose that is offered and reaches them."""
        message = render(kind, person.choices.language, fields)
        made = []
        for channel in person.choices.channels:
            to = person.address(channel)
            if channel not in offered or not to:
                continue
            payload: dict[str, Any] = {
                "subject": message.subject,
                "text": message.text,
                "to": to,
                "kind": kind,
            }
            if channel is Channel.ZALO:
                template = template_of(self.settings, kind)
                if template is None:
                    continue
                data = fields if kind.startswith("driver.") else vars(message)
                payload.update(template=template, data=dict(data))
            earlier = await self._earlier(session, person, channel, now)
            due = due_at(
                now,
                quiet=person.choices.quiet,
                urgent=urgent,
                earlier=earlier,
                limit=self.settings.message_rate_limit,
                window=RATE_WINDOW,
            )
            made.append(
                NewDelivery(
                    channel=channel.value,
                    payload=payload,
                    recipient_kind=person.kind,
                    recipient_id=person.id,
                    language=person.choices.language,
                    next_attempt_at=due,
                )
            )
        return made

    async def _earlier(
        self, session: AsyncSession, person: Person, channel: Channel, now: datetime
    ) -> list[datetime]:
        """The due times of the person's messages on ``channel`` that the limit counts:
        sent or still to send, due from an hour before ``now`` on."""
        if self.settings.message_rate_limit < 1:
            return []
        due = func.coalesce(Delivery.delivered_at, Delivery.next_attempt_at)
        rows = await session.scalars(
            select(due).where(
                Delivery.recipient_kind == person.kind,
                Delivery.recipient_id == person.id,
                Delivery.channel == channel.value,
                Delivery.status.in_(COUNTED),
                due > now - RATE_WINDOW,
            )
        )
        return list(rows)


def _fields(
    payload: dict[str, Any],
    booking: Booking | None,
    gate: Gate | None,
    language: str,
    *,
    plate: bool,
) -> dict[str, str]:
    """The ``{field}``s of a text (gate/messages/texts.py) from the event and its booking;
    the plate only for the driver's own messages."""
    facts = payload.get("facts") or {}
    direction = payload.get("direction") or (booking.direction if booking else "")
    fields = {
        "gate": gate_name(gate, language) if gate else "",
        "direction": direction_word(direction, language),
        "code": booking.code if booking else "",
        "slot": _slot(booking.slot_start if booking else payload.get("slot_start"), language),
        "previous_slot": _slot(payload.get("previous_slot_start"), language),
        "order": payload.get("order_code") or "",
        "deadline": _hm(facts.get("deadline_at"), language),
        "lane": str(facts.get("lane") or ""),
        "spoil_by": _slot(_text(facts.get("spoil_by")), language),
        "forecast": _slot(_text(facts.get("forecast_call_at")), language),
        "endpoint": str(payload.get("url") or payload.get("endpoint_id") or ""),
        "endpoint_id": str(payload.get("endpoint_id") or ""),
        "reason": disabled_reason(str(payload.get("disabled_reason") or ""), language),
        "invoice": str(facts.get("invoice_number") or ""),
        "amount": vnd(facts.get("amount_vnd"), language),
        "refund": vnd(facts.get("refund_amount_vnd"), language),
        "plate": "",
    }
    if plate and booking is not None:
        fields["plate"] = format_plate(booking.plate)
    return fields

"""What the dispatcher is handed: expanders turn an outbox event into deliveries, senders
attempt one delivery of their channel, and a channel's ``GivenUp`` hook hears of a delivery
given up for good."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from gate.store.tables import Delivery, OutboxEvent
from gate.store.unit_of_work import UnitOfWork

OutboxEventRow = OutboxEvent


def new_delivery_id() -> str:
    """A stable delivery id, ``msg_`` and 32 hex digits: the webhook-id (Standard Webhooks)
    and the message id receivers drop a repeated delivery by."""
    return "msg_" + uuid.uuid4().hex


@dataclass(frozen=True, kw_only=True)
class NewDelivery:
    """A delivery an expander asks for. ``channel``: webhook | email | sms | zalo; the target
    is ``endpoint_id`` (webhook) or ``recipient_kind`` and ``recipient_id`` (a person).
    ``ordering_key`` None: the event's booking id, else its event id. ``next_attempt_at``
    None: at once (a message held by quiet hours gives a later time). ``payload``: the
    webhook's Standard Webhooks body, or a message's ``{"subject", "text"}``."""

    channel: str
    payload: dict[str, Any]
    endpoint_id: str | None = None
    recipient_kind: str | None = None
    recipient_id: str | None = None
    ordering_key: str | None = None
    language: str | None = None
    next_attempt_at: datetime | None = None
    id: str = field(default_factory=new_delivery_id)


class Expander(Protocol):
    """Turns one outbox event into the deliveries it causes (none when it concerns no one
    the expander serves). Runs in the transaction that inserts them and marks the event
    expanded: read with ``session``, write nothing else."""

    async def expand(self, session: AsyncSession, event: OutboxEventRow) -> list[NewDelivery]: ...


class Result(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"  # try again on the retry schedule
    PERMANENT = "permanent"  # give up now (410 Gone, a recipient that cannot be reached)


@dataclass(frozen=True)
class Outcome:
    """How one attempt went. ``status``: the receiver's or provider's status code (None: no
    answer); ``error``: what went wrong, at most 300 characters, no secret and no personal
    data (it is shown in the delivery log)."""

    result: Result
    status: int | None = None
    error: str | None = None

    @classmethod
    def delivered(cls, status: int | None = None) -> Outcome:
        return cls(Result.DELIVERED, status)

    @classmethod
    def retry(cls, status: int | None, error: str) -> Outcome:
        return cls(Result.RETRY, status, error[:300])

    @classmethod
    def permanent(cls, status: int | None, error: str) -> Outcome:
        return cls(Result.PERMANENT, status, error[:300])


class Sender(Protocol):
    """Attempts one delivery of its channel; never raises for the receiver's faults (those
    are an Outcome). An exception counts as a retry, logged."""

    async def send(self, delivery: Delivery) -> Outcome: ...


# Called in the transaction that marks a delivery ``failed`` (its schedule exhausted, or a
# permanent outcome), with the last outcome: the webhooks disable the endpoint and record
# that its owner is to be told. Events recorded on the unit of work are outboxed with it.
GivenUp = Callable[[UnitOfWork, Delivery, Outcome], Awaitable[None]]


# What a delivery's payload of a channel keeps once it is delivered or given up (its
# personal data dropped): the messages' channels drop the address and the rendered text.
Forget = Callable[[dict[str, Any]], dict[str, Any]]

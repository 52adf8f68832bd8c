"""The outbox kept small and never stuck (docs/architecture.md, "The outbox"): an event an
expander keeps failing on is set aside after EXPAND_TRIES and no longer holds its booking's
later deliveries; a message's address and text are blanked once it is delivered or given up;
finished deliveries, their attempts and their events are purged after the retention window,
pending ones never."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import utc_now
from gate.messages.forget import forget_message
from gate.outbox.dispatcher import LEASE, OutboxDispatcher
from gate.outbox.poison import EXPAND_TRIES
from gate.outbox.protocols import NewDelivery, Outcome
from gate.outbox.retention import purge_outbox
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Delivery, DeliveryAttempt, OutboxEvent
from gate.store.unit_of_work import UnitOfWork
from services.app import build_platform
from tests.outbox import CHANNEL, EveryEvent, Recorder, record_bookings

PLATE = "51C-123.45"


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


def _uow(engine: AsyncEngine) -> Callable[[], UnitOfWork]:
    factory = create_session_factory(engine)
    bus = InMemoryEventBus()
    return lambda: UnitOfWork(factory, bus)


async def _rows(engine: AsyncEngine, model: type) -> list[Any]:
    async with create_session_factory(engine)() as session:
        return list((await session.scalars(select(model))).all())


class FailsOn:
    """Raises on the ``booking.created`` event of one booking, ``times`` times (for ever
    when None), with a message that quotes a plate; makes nothing for any other event."""

    def __init__(self, booking: str, times: int | None = None) -> None:
        self.booking = booking
        self.times = times
        self.failed = 0

    async def expand(self, session: AsyncSession, event: OutboxEvent) -> list[NewDelivery]:
        ours = event.booking_id == self.booking and event.name == "booking.created"
        if ours and (self.times is None or self.failed < self.times):
            self.failed += 1
            raise RuntimeError(f"no driver for the truck {PLATE}")
        return []


async def _round(dispatcher: OutboxDispatcher, now: datetime) -> None:
    """Expand at ``now``, then attempt until nothing more is due (one per booking a go)."""
    await dispatcher.expand_once(now)
    while await dispatcher.deliver_once(now):
        pass


async def test_an_event_an_expander_keeps_failing_on_is_set_aside_and_holds_nothing(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
):
    sender = Recorder()
    dispatcher = OutboxDispatcher(
        _uow(engine), [FailsOn("poison"), EveryEvent()], {CHANNEL: sender}, schedule=(1,), poll_s=1
    )
    await record_bookings(_uow(engine), ["poison", "fine"], per_booking=2)
    start = utc_now()
    # Each try after the last one's lease ran out, as a dispatcher would take it again.
    moments = [start + n * (LEASE + timedelta(seconds=1)) for n in range(EXPAND_TRIES)]
    with caplog.at_level(logging.INFO, logger="gate.outbox"):
        for moment in moments[:-1]:
            await _round(dispatcher, moment)
            # Held: the poison booking's later event waits for its first.
            assert sender.per_booking() == {"fine": ["booking.created", "vehicle.arrived"]}
        await _round(dispatcher, moments[-1])
    assert sender.per_booking() == {
        "fine": ["booking.created", "vehicle.arrived"],
        "poison": ["vehicle.arrived"],
    }
    events = {(e.booking_id, e.name): e for e in await _rows(engine, OutboxEvent)}
    poison = events[("poison", "booking.created")]
    assert poison.expanded_at is not None and poison.lease_owner is None
    assert (poison.expand_attempts, poison.expand_error) == (EXPAND_TRIES, "FailsOn: RuntimeError")
    assert events[("fine", "booking.created")].expand_error is None
    assert dispatcher.tally.events_set_aside == 1
    set_aside = [r for r in caplog.records if r.getMessage() == "outbox.event_set_aside"]
    assert len(set_aside) == 1 and set_aside[0].seq == poison.seq  # type: ignore[attr-defined]
    # No log line of it quotes the exception's message (a plate, here).
    assert PLATE not in caplog.text
    assert not any(r.exc_info for r in caplog.records if r.name == "gate.outbox")


async def test_an_expansion_that_fails_once_is_tried_again_and_not_set_aside(engine: AsyncEngine):
    sender = Recorder()
    dispatcher = OutboxDispatcher(
        _uow(engine),
        [FailsOn("flaky", times=1), EveryEvent()],
        {CHANNEL: sender},
        schedule=(1,),
        poll_s=1,
    )
    await record_bookings(_uow(engine), ["flaky"], per_booking=2)
    start = utc_now()
    await _round(dispatcher, start)
    assert sender.delivered == []
    await _round(dispatcher, start + LEASE + timedelta(seconds=1))
    assert sender.per_booking() == {"flaky": ["booking.created", "vehicle.arrived"]}
    first = min(await _rows(engine, OutboxEvent), key=lambda e: e.seq)
    assert (first.expand_attempts, first.expand_error) == (1, "FailsOn: RuntimeError")
    assert dispatcher.tally.events_set_aside == 0


class MessageLike:
    """One delivery per event with a message's payload: an address, a text naming a plate."""

    async def expand(self, session: AsyncSession, event: OutboxEvent) -> list[NewDelivery]:
        return [
            NewDelivery(
                channel=CHANNEL,
                recipient_kind="driver",
                recipient_id="driver-1",
                payload={
                    "name": event.name,
                    "kind": "driver.dispatch",
                    "to": "+84912345678",
                    "subject": "Lệnh điều tiết",
                    "text": f"Xe {PLATE} vào cửa khẩu",
                    "data": {"plate": PLATE},
                },
            )
        ]


async def test_a_message_forgets_its_address_and_text_once_delivered_or_given_up(
    engine: AsyncEngine,
):
    def answer(delivery: Delivery, attempt: int) -> Outcome | None:
        if delivery.ordering_key == "refused":
            return Outcome.permanent(400, "400")
        if delivery.ordering_key == "later":
            return Outcome.retry(503, "503")
        return None

    sender = Recorder(answer)
    dispatcher = OutboxDispatcher(
        _uow(engine),
        [MessageLike()],
        {CHANNEL: sender},
        schedule=(3600,),
        poll_s=1,
        forget={CHANNEL: forget_message},
    )
    await record_bookings(_uow(engine), ["sent", "refused", "later"], per_booking=1)
    await _round(dispatcher, utc_now())
    deliveries = {d.ordering_key: d for d in await _rows(engine, Delivery)}
    assert deliveries["sent"].status == "delivered" and deliveries["refused"].status == "failed"
    assert deliveries["sent"].payload == {"kind": "driver.dispatch"}
    assert deliveries["refused"].payload == {"kind": "driver.dispatch"}
    # Still to be sent: it keeps what the next attempt needs.
    assert deliveries["later"].status == "pending"
    assert deliveries["later"].payload["to"] == "+84912345678"


def test_the_platform_has_every_message_channel_forget_and_no_webhook(settings: Settings):
    platform = build_platform(settings)
    assert platform.outbox is not None
    assert set(platform.outbox.forget) == {"email", "sms", "zalo"}


async def test_finished_deliveries_and_their_events_are_purged_after_the_window(
    engine: AsyncEngine,
):
    def answer(delivery: Delivery, attempt: int) -> Outcome | None:
        if delivery.ordering_key == "refused":
            return Outcome.permanent(410, "gone")
        if delivery.ordering_key == "later":
            return Outcome.retry(503, "503")
        return None

    sender = Recorder(answer)
    dispatcher = OutboxDispatcher(
        _uow(engine), [EveryEvent()], {CHANNEL: sender}, schedule=(3600,), poll_s=1
    )
    await record_bookings(_uow(engine), ["sent", "refused", "later"], per_booking=2)
    now = utc_now()
    await _round(dispatcher, now)
    # Both of "sent", both of "refused" (given up, so the second went), the first of "later".
    assert len(await _rows(engine, DeliveryAttempt)) == 5
    # Nothing is old enough yet.
    assert await purge_outbox(_uow(engine), now - timedelta(days=30)) == 0
    assert len(await _rows(engine, Delivery)) == 6

    purged = await purge_outbox(_uow(engine), now + timedelta(days=31))
    left = await _rows(engine, Delivery)
    # The pending one and the one behind it (the same booking, not attempted yet) stay.
    assert sorted((d.ordering_key, d.status) for d in left) == [
        ("later", "pending"),
        ("later", "pending"),
    ]
    assert [a.delivery_id for a in await _rows(engine, DeliveryAttempt)] == [
        d.id for d in left if d.attempts
    ]
    events = await _rows(engine, OutboxEvent)
    assert sorted(e.booking_id for e in events) == ["later", "later"]
    assert purged == 4 + 4  # the finished bookings' deliveries, then their events


async def test_the_sweeps_purge_the_outbox_on_the_settings_window(settings: Settings):
    from gate.sweeps import run_sweeps_once

    engine = create_engine(settings)
    try:
        counts = await run_sweeps_once(_uow(engine), replace(settings, outbox_retention_days=30))
    finally:
        await engine.dispose()
    assert counts["outbox"] == 0

"""The outbox's core (docs/architecture.md, "The outbox"): outboxed events are written in
the transaction that records them, in one INSERT; the dispatcher expands them, attempts each
delivery in order per target and booking, retries on its schedule, gives up after it, and
two dispatchers on one database attempt each delivery once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.events import GateNoticeChanged, VehicleRequeued
from gate.outbox.dispatcher import OutboxDispatcher
from gate.outbox.protocols import Outcome
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Delivery, DeliveryAttempt, OutboxEvent
from gate.store.unit_of_work import UnitOfWork
from services.app import build_platform
from tests.helpers import Api, open_all_day, this_hour
from tests.outbox import CHANNEL, EveryEvent, Recorder, booking_event, record_bookings

SHORT = (0.01, 0.01, 0.01)  # three retries, at once: four attempts


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


def _uow(engine: AsyncEngine) -> Callable[[], UnitOfWork]:
    factory = create_session_factory(engine)
    bus = InMemoryEventBus()
    return lambda: UnitOfWork(factory, bus)


def _dispatcher(engine: AsyncEngine, sender: Recorder, **given: object) -> OutboxDispatcher:
    return OutboxDispatcher(
        _uow(engine),
        [EveryEvent()],
        {CHANNEL: sender},
        schedule=SHORT,
        poll_s=0.01,
        **given,  # type: ignore[arg-type]
    )


async def _rows(engine: AsyncEngine, model: type) -> list:
    async with create_session_factory(engine)() as session:
        return list((await session.scalars(select(model))).all())


async def test_a_commit_writes_its_outboxed_events_in_one_insert_and_no_others(engine):
    inserts: list[str] = []

    def count(_conn, _cursor, statement: str, *_: object) -> None:
        # On PostgreSQL the outbox's rows ride in the audit append's statement (a CTE:
        # gate/store/audit.py), on SQLite in an INSERT of their own: one statement either way.
        if "INSERT INTO OUTBOX_EVENTS" in statement.upper():
            inserts.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    new_uow = _uow(engine)
    async with new_uow() as uow:
        uow.record(booking_event("booking-1"))
        uow.record(booking_event("booking-2"))
        uow.record(booking_event("booking-1", VehicleRequeued))  # not outboxed
        uow.record(GateNoticeChanged(gate="tan-thanh"))  # not outboxed
        await uow.commit()
    async with new_uow() as uow:  # nothing outboxed: no statement
        uow.record(GateNoticeChanged(gate="tan-thanh"))
        await uow.commit()
    async with new_uow() as uow:  # rolled back: nothing leaves
        uow.record(booking_event("booking-3"))
    assert len(inserts) == 1
    rows = sorted(await _rows(engine, OutboxEvent), key=lambda row: row.seq)
    assert [(row.name, row.booking_id) for row in rows] == [
        ("booking.created", "booking-1"),
        ("booking.created", "booking-2"),
    ]
    assert rows[0].enterprise_id == "enterprise-1" and rows[0].gate_id == "gate-of-the-test"
    assert rows[0].payload["booking_id"] == "booking-1" and rows[0].expanded_at is None
    assert len({row.event_id for row in rows}) == 2


async def test_a_booking_made_through_the_api_is_in_the_outbox(api: Api, uow: UnitOfWork):
    await open_all_day(api)
    enterprise = await api.enterprise()
    booking = (await enterprise.book(this_hour(1))).json()
    rows = (await uow.session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq))).all()
    # Opening the gate's hours changed its capacity (capacity.changed), then the booking.
    assert [row.name for row in rows] == ["gate.calendar_changed"] * 2 + ["booking.created"]
    assert (rows[-1].booking_id, rows[-1].enterprise_id) == (booking["id"], enterprise.id)


async def test_deliveries_go_in_order_per_booking_and_wait_for_a_failed_earlier_one(engine):
    # The first attempt of every booking's first event fails: its second event waits.
    def answer(delivery: Delivery, attempt: int) -> Outcome | None:
        first = attempt == 1 and delivery.payload["name"] == "booking.created"
        return Outcome.retry(503, "503") if first else None

    sender = Recorder(answer)
    bookings = [f"booking-{n}" for n in range(6)]
    await record_bookings(_uow(engine), bookings, per_booking=3)
    dispatcher = _dispatcher(engine, sender)
    dispatcher.start()
    try:
        await sender.wait_for(lambda: len(sender.delivered) == 18)
    finally:
        await dispatcher.stop()
    for names in sender.per_booking().values():
        assert names == ["booking.created", "vehicle.arrived", "vehicle.arrived"]
    assert len({entry[0] for entry in sender.delivered}) == 18
    deliveries = await _rows(engine, Delivery)
    assert {d.status for d in deliveries} == {"delivered"}
    assert sorted(d.attempts for d in deliveries) == [1] * 12 + [2] * 6
    attempts = await _rows(engine, DeliveryAttempt)
    assert len(attempts) == 24 and sorted(a.status_code for a in attempts)[:6] == [200] * 6
    assert all(row.expanded_at is not None for row in await _rows(engine, OutboxEvent))


async def test_a_delivery_is_given_up_after_its_schedule_and_its_channel_told(engine):
    told: list[tuple[str, int | None]] = []

    async def given_up(uow: UnitOfWork, delivery: Delivery, outcome: Outcome) -> None:
        told.append((delivery.id, outcome.status))

    sender = Recorder(
        lambda d, n: (
            Outcome.permanent(410, "gone")
            if d.ordering_key == "gone"
            else Outcome.retry(500, "server error")
        )
    )
    await record_bookings(_uow(engine), ["failing", "gone"], per_booking=1)
    dispatcher = _dispatcher(engine, sender, given_up={CHANNEL: given_up})
    dispatcher.start()
    try:
        await sender.wait_for(lambda: len(sender.attempts) == 5)
        async with asyncio.timeout(30):
            while len(told) < 2:
                await asyncio.sleep(0.01)
    finally:
        await dispatcher.stop()
    deliveries = {d.ordering_key: d for d in await _rows(engine, Delivery)}
    assert deliveries["failing"].status == "failed" and deliveries["failing"].attempts == 4
    assert deliveries["failing"].last_error == "server error"
    assert deliveries["gone"].status == "failed" and deliveries["gone"].attempts == 1
    assert sorted(status for _, status in told) == [410, 500]
    assert len(sender.attempts) == 5  # nothing more after giving up


async def test_two_dispatchers_attempt_each_delivery_once(settings: Settings):
    engines = [create_engine(settings), create_engine(settings)]
    sender = Recorder()
    dispatchers = [_dispatcher(engine, sender) for engine in engines]
    try:
        for dispatcher in dispatchers:
            dispatcher.start()
        bookings = [f"booking-{n}" for n in range(20)]
        await record_bookings(_uow(engines[0]), bookings, per_booking=3)
        await sender.wait_for(lambda: len(sender.delivered) == 60, timeout=60)
        for dispatcher in dispatchers:
            await dispatcher.stop()
        assert Counter(Counter(entry[0] for entry in sender.attempts).values()) == {1: 60}
        for names in sender.per_booking().values():
            assert names == ["booking.created", "vehicle.arrived", "vehicle.arrived"]
    finally:
        for dispatcher in dispatchers:
            await dispatcher.stop()
        for engine in engines:
            await engine.dispose()


async def test_a_commit_in_the_process_wakes_its_dispatcher_at_once(settings: Settings):
    # A poll far longer than the test: only the wake after commit can deliver in time.
    platform = build_platform(replace(settings, outbox_poll_s=3600))
    sender = Recorder()
    assert platform.outbox is not None
    platform.outbox.expanders.append(EveryEvent())
    platform.outbox.senders[CHANNEL] = sender
    platform.outbox.start()
    try:
        await asyncio.sleep(0)  # its first round finds nothing; then it sleeps
        async with platform.unit_of_work() as uow:
            uow.record(booking_event("booking-1"))
            await uow.commit()
        await sender.wait_for(lambda: len(sender.delivered) == 1, timeout=30)
    finally:
        await platform.outbox.stop()
        await platform.engine.dispose()


class _HangsOnce:
    """A sender whose first attempt never ends (a receiver or relay that holds the
    connection and trickles nothing); later attempts deliver."""

    def __init__(self) -> None:
        self.calls = 0
        self.delivered = asyncio.Event()

    async def send(self, delivery: Delivery) -> Outcome:
        self.calls += 1
        if self.calls == 1:
            await asyncio.Event().wait()
        self.delivered.set()
        return Outcome.delivered(200)


async def test_an_attempt_that_never_ends_is_cut_and_tried_again_within_its_lease(engine):
    sender = _HangsOnce()
    await record_bookings(_uow(engine), ["booking-1"], per_booking=1)
    dispatcher = OutboxDispatcher(
        _uow(engine),
        [EveryEvent()],
        {CHANNEL: sender},
        schedule=SHORT,
        poll_s=0.01,
        attempt_limit_s=0.05,
    )
    dispatcher.start()
    try:
        async with asyncio.timeout(30):
            await sender.delivered.wait()
    finally:
        await dispatcher.stop()
    [delivery] = await _rows(engine, Delivery)
    assert (delivery.status, delivery.attempts, sender.calls) == ("delivered", 2, 2)
    attempts = sorted(await _rows(engine, DeliveryAttempt), key=lambda a: a.id)
    assert [a.error for a in attempts] == ["no answer within the attempt's time limit", None]

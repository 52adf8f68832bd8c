"""One check-in pipeline per gate: two processes' batchers (here two batchers in one test
process, each with its own engine and relay address) serving one gate never decide its
check-ins side by side; the one without the gate's lease forwards its batches to the holder;
a holder whose lease was taken over cannot commit a decision."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from sqlalchemy import func, select, text

import gate.checkins.routing as routing_module
from gate.bus.events import InMemoryEventBus
from gate.checkins.leases import Lease, held_devices, seen
from gate.checkins.pipelines import Pipelines
from gate.checkins.routing import LeaseLost
from gate.checkins.service import DeviceEvent, check_in_many
from gate.checkins.waiting import Pending
from gate.config import Settings
from gate.domain.time import utc_now
from gate.store.audit import verify
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Booking, CheckinRecord, Device, Slot
from gate.store.unit_of_work import UnitOfWork
from tests.checkin_processes import batchers, store
from tests.helpers import Api, device, open_all_day, unique_plate


@pytest.fixture(autouse=True)
async def gate_open_all_day(api: Api) -> None:
    await open_all_day(api, capacity=5000)


_processes = batchers


async def _camera(api: Api, settings: Settings) -> tuple[str, str]:
    """A camera registered at the gate: its id and its gate's."""
    await device(api)
    engine = create_engine(settings)
    try:
        async with UnitOfWork(create_session_factory(engine), InMemoryEventBus()) as uow:
            camera = (await uow.session.scalars(select(Device).order_by(Device.id))).all()
            newest = max(camera, key=lambda d: d.created_at)
            return newest.id, newest.gate_id
    finally:
        await engine.dispose()


_store = store


def _event(event_id: str | None = None) -> DeviceEvent:
    plate = unique_plate("29H")
    return DeviceEvent(event_id or f"evt-{plate}", utc_now(), plate=plate)


async def test_events_sent_to_the_other_process_are_decided_by_the_owner(
    api: Api, settings: Settings
):
    camera, gate = await _camera(api, settings)
    async with _processes(settings) as (owner, other):
        first = await owner.submit(gate, camera, _event())
        lease = owner.pipelines.held(gate)
        assert lease is not None and isinstance(first, tuple)
        forwarded = [_event() for _ in range(5)]
        answers = await asyncio.gather(*(other.submit(gate, camera, e) for e in forwarded))
        assert other.pipelines.held(gate) is None  # it never took the gate
        # The owner stored each answer; the other process relayed it byte for byte, and the
        # owner replays the very bytes for the same event.
        for sent, answer in zip(forwarded, answers, strict=True):
            assert isinstance(answer, tuple)
            body, replayed = answer
            assert not replayed and msgspec.json.decode(body)["outcome"] == "walk_in"
            assert await owner.submit(gate, camera, sent) == (body, True)
        async with _store(settings) as uow:
            records = await uow.session.execute(
                select(CheckinRecord.event_id, CheckinRecord.answer)
            )
            stored = {event_id: body for event_id, body in records}
            row = await seen(uow.session, gate)
        assert [stored[e.event_id] for e in forwarded] == [a[0] for a in answers]
        assert row is not None and (row.holder, row.epoch) == (lease.holder, lease.epoch)
        # Reused event_ids are refused per event through the relay too.
        again = DeviceEvent(forwarded[0].event_id, utc_now(), plate=unique_plate("29H"))
        refused = await other.submit(gate, camera, again)
        assert type(refused).__name__ == "EventIdReused"


async def test_a_holder_that_never_answers_is_taken_over(api: Api, settings: Settings):
    """The lease names an address where something accepts the forwarded batch and never
    answers (a holder stuck, or stopped mid-answer): the forwarder gives up after its bound,
    takes the gate over and decides the read itself, instead of waiting for ever."""
    camera, gate = await _camera(api, settings)
    heard = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        heard.set()
        await reader.read()  # until the forwarder goes away; never a word back

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    host, port = listener.sockets[0].getsockname()[:2]
    try:
        async with _processes(settings, answer_s=0.5) as (owner, other):
            await owner.submit(gate, camera, _event())
            async with _store(settings) as uow:
                await uow.session.execute(
                    text("UPDATE checkin_pipelines SET address = :a WHERE gate_id = :g"),
                    {"a": f"{host}:{port}", "g": gate},
                )
                await uow.commit()
            answer = await asyncio.wait_for(other.submit(gate, camera, _event()), 30)
            assert heard.is_set()  # it was forwarded there first
            assert isinstance(answer, tuple)
            assert msgspec.json.decode(answer[0])["outcome"] == "walk_in"
            assert other.pipelines.held(gate) is not None  # and taken over
    finally:
        listener.close()


async def test_a_stale_owner_cannot_commit_a_decision(api: Api, settings: Settings):
    camera, gate = await _camera(api, settings)
    async with _processes(settings) as (stale, thief):
        await stale.submit(gate, camera, _event())
        lease = stale.pipelines.held(gate)
        assert lease is not None
        async with _store(settings) as uow:
            row = await seen(uow.session, gate)
        assert row is not None
        await thief.pipelines.take_over(gate, row)
        taken = thief.pipelines.held(gate)
        assert taken == Lease(gate, thief.pipelines.holder, lease.epoch + 1)
        # The stale owner still believes it holds the gate: its transaction finds out first.
        late = _event()
        pending = Pending(gate, camera, late, asyncio.Future())
        with pytest.raises(LeaseLost):
            await stale.router.in_one_transaction(lease, [pending])
        async with _store(settings) as uow:
            records = select(func.count()).where(CheckinRecord.event_id == late.event_id)
            assert await uow.session.scalar(records) == 0
        # Through its loop, the stale owner hands the event on to the new owner.
        body, _ = await stale.submit(gate, camera, late)  # type: ignore[misc]
        assert stale.pipelines.held(gate) is None
        assert await thief.submit(gate, camera, late) == (body, True)


async def test_a_takeover_waits_for_the_batch_in_flight(api: Api, settings: Settings, backend: str):
    """The old holder's batch that checked its lease commits; the takeover waits for it, and
    the old holder's next transaction finds the lease gone."""
    camera, gate = await _camera(api, settings)
    async with _processes(settings) as (old, _):
        await old.submit(gate, camera, _event())
        lease = old.pipelines.held(gate)
        assert lease is not None
        async with _store(settings) as probe:
            row = await seen(probe.session, gate)
            await probe.session.rollback()
            assert row is not None
            engine = create_engine(settings)

            def new_uow() -> UnitOfWork:
                return UnitOfWork(create_session_factory(engine), InMemoryEventBus())

            taker = Pipelines(new_uow)
            async with old.router.new_uow() as deciding:
                devices = await deciding.session.scalars(held_devices(lease, [camera]))
                (reader,) = devices.all()
                gate_row = await old.router.gates.by_id(deciding, gate)
                takeover = asyncio.create_task(taker.take_over(gate, row))
                # The takeover is at the database: waiting for the row lock (PostgreSQL),
                # or for the write lock (SQLite's BEGIN IMMEDIATE) with its connection out.
                while not engine.sync_engine.pool.checkedout():
                    await asyncio.sleep(0.01)
                if backend == "postgres":
                    await _until_waiting_for_a_lock(probe)
                in_flight = _event()
                await check_in_many(
                    deciding, gate_row, [(reader, in_flight)], retention=old.router.retention
                )
                assert not takeover.done()
                await deciding.commit()
            await takeover
            await engine.dispose()
            assert taker.held(gate) == Lease(gate, taker.holder, lease.epoch + 1)
            await taker.release_all()
            records = select(func.count()).where(CheckinRecord.event_id == in_flight.event_id)
            assert await probe.session.scalar(records) == 1
            await probe.session.rollback()
            pending = Pending(gate, camera, _event(), asyncio.Future())
            with pytest.raises(LeaseLost):
                await old.router.in_one_transaction(lease, [pending])


@dataclass(frozen=True)
class _Places:
    bookings: set[tuple[str, str]]  # (booking id, slot id)
    booked: dict[str, int]  # slot id -> its count of places taken


async def _places(uow: UnitOfWork, gate: str) -> _Places:
    """The gate's bookings and its slots' counts, as committed now."""
    bookings = await uow.session.execute(
        select(Booking.id, Booking.slot_id).where(Booking.gate_id == gate)
    )
    slots = await uow.session.execute(select(Slot.id, Slot.booked).where(Slot.gate_id == gate))
    found = _Places({(b, s) for b, s in bookings}, {s: n for s, n in slots})
    await uow.session.rollback()
    return found


async def _until_waiting_for_a_lock(probe: UnitOfWork) -> None:
    """Until a PostgreSQL session waits for a row lock on the leases."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query LIKE '%checkin_pipelines%'"
    )
    while not await probe.session.scalar(query):
        await probe.session.rollback()
        await asyncio.sleep(0.01)
    await probe.session.rollback()


async def test_two_pipelines_under_load_with_handovers_lose_and_repeat_nothing(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    """A few thousand events from concurrent clients to both processes, the lease stolen
    twice and its holder stopped in the middle: every event answered, each the same way
    wherever it was sent, acted on once, and never two batches of the gate decided at once."""
    camera, gate = await _camera(api, settings)
    deciding = Counter[str]()
    real = routing_module.check_in_many

    async def watched(*args: Any, **options: Any) -> Any:
        deciding["now"] += 1
        deciding["most"] = max(deciding["most"], deciding["now"])
        try:
            return await real(*args, **options)
        finally:
            deciding["now"] -= 1

    monkeypatch.setattr(routing_module, "check_in_many", watched)
    events = [_event() for _ in range(1500)]
    # Every third event is sent twice (a device's retry), to either process.
    sends = [*events, *events[::3]]
    random.Random(20).shuffle(sends)
    answers: dict[str, list[tuple[bytes, bool]]] = {e.event_id: [] for e in events}
    async with _store(settings) as uow:
        before = await _places(uow, gate)
    async with _processes(settings, 3) as (first, second, third):
        serving = [first, second]
        done = Counter[str]()

        async def client(mine: Sequence[DeviceEvent]) -> None:
            for sent in mine:
                for attempt in range(10):
                    batcher = serving[(hash(sent.event_id) + attempt) % len(serving)]
                    try:
                        result = await batcher.submit(gate, camera, sent)
                    except (RuntimeError, ConnectionError):
                        continue  # a stopped process: the device retries elsewhere
                    assert isinstance(result, tuple)
                    answers[sent.event_id].append(result)
                    done["answered"] += 1
                    break
                else:
                    raise AssertionError(f"{sent.event_id} was never answered")

        async def handovers() -> None:
            for at, who in ((300, second), (700, first), (1100, third)):
                while done["answered"] < at:
                    await asyncio.sleep(0.01)
                if who is third:
                    # The holder stops gracefully; a third process takes the clients over.
                    holder = next(b for b in serving if b.pipelines.held(gate))
                    serving[:] = [b for b in serving if b is not holder] + [third]
                    await holder.stop()
                    continue
                async with _store(settings) as uow:
                    row = await seen(uow.session, gate)
                assert row is not None
                await who.pipelines.take_over(gate, row)

        clients = [client(sends[n::40]) for n in range(40)]
        await asyncio.gather(handovers(), *clients)
    assert deciding["most"] == 1
    bodies = {}
    for event_id, got in answers.items():
        assert got, event_id
        assert len({body for body, _ in got}) == 1, got
        bodies[event_id] = got[0][0]
    async with _store(settings) as uow:
        records = await uow.session.execute(select(CheckinRecord.event_id, CheckinRecord.answer))
        stored = {event_id: body for event_id, body in records}
        after = await _places(uow, gate)
        breaks, checked = await verify(uow.session)
    assert {e: stored[e] for e in bodies} == bodies
    decoded = [msgspec.json.decode(body) for body in bodies.values()]
    assert Counter(a["outcome"] for a in decoded) == {"walk_in": len(events)}
    # Each walk-in stored once, and each took one place of its hour: no slot's count lost
    # or repeated an update (the places its bookings hold are exactly its count's growth).
    new_bookings = after.bookings - before.bookings
    assert len(new_bookings) == len(events)
    grown = Counter(after.booked) - Counter(before.booked)
    assert grown == Counter(slot for _, slot in new_bookings)
    assert breaks == [] and checked >= len(events)


async def test_leases_are_renewed_while_held_and_forgotten_once_taken_over(
    api: Api, settings: Settings
):
    _, gate = await _camera(api, settings)
    engine = create_engine(settings)
    factory = create_session_factory(engine)

    def new_uow() -> UnitOfWork:
        return UnitOfWork(factory, InMemoryEventBus())

    holder = Pipelines(new_uow, term=timedelta(seconds=0.6))
    thief = Pipelines(new_uow, term=timedelta(minutes=5))
    try:
        taken = await holder.route(gate)
        assert isinstance(taken, Lease)
        async with _store(settings) as uow:
            first = await seen(uow.session, gate)
            assert first is not None
            renewed = first
            while renewed.expires_at == first.expires_at:  # a renewal every 0.2 s
                await uow.session.rollback()
                await asyncio.sleep(0.05)
                renewed = await seen(uow.session, gate)
                assert renewed is not None
            await uow.session.rollback()
        assert (renewed.holder, renewed.epoch) == (holder.holder, taken.epoch)
        await thief.take_over(gate, renewed)
        while holder.held(gate) is not None:  # the next renewal finds it gone
            await asyncio.sleep(0.05)
        # The holder now routes the gate to the thief, whose lease is not expired.
        routed = await holder.route(gate)
        assert not isinstance(routed, Lease) and routed.holder == thief.holder
    finally:
        await holder.release_all()
        await thief.release_all()
        await engine.dispose()

"""Every path that decides a gate's check-ins goes through its pipeline: a device's backlog and
an officer's check-in by hand sent to a process that does not hold the gate's lease are
decided by the holder, in its loop, never beside its batches; a holder that never answers is
taken over. Two batchers in one test process stand for two processes (an engine, a relay
address and a lease holder's name each), as in test_checkin_pipelines.py."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.checkins.batcher import CheckinBatcher
from gate.checkins.leases import Lease
from gate.checkins.manual import ByHand, ByHandReply, ManualCheckin
from gate.checkins.pipelines import Pipelines
from gate.checkins.service import DeviceEvent
from gate.config import Settings
from gate.domain.errors import IdempotencyKeyReused, NotFound
from gate.domain.time import utc_now
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import CheckinRecord, Device, IdempotencyRecord
from gate.store.unit_of_work import UnitOfWork
from services.checkins.by_hand import decide_by_hand
from tests.checkin_processes import batchers, store
from tests.helpers import Api, device, open_all_day, unique_plate


@pytest.fixture(autouse=True)
async def gate_open_all_day(api: Api) -> None:
    await open_all_day(api, capacity=5000)


class Probe:
    """Which process's transactions decided the gate's check-ins (batches of device events
    and check-ins by hand), and the most that ever ran at once."""

    def __init__(self) -> None:
        self.decided = Counter[str]()
        self.now = 0
        self.most = 0

    def watch(self, name: str, batcher: CheckinBatcher, monkeypatch: pytest.MonkeyPatch) -> None:
        # The transactions are the batcher's router's (gate/checkins/routing.py).
        for method in ("in_one_transaction", "_job_here"):
            real = getattr(batcher.router, method)
            monkeypatch.setattr(batcher.router, method, self._watched(name, real))

    def _watched(self, name: str, real: Callable[..., Awaitable[Any]]) -> Any:
        async def watched(*args: Any) -> Any:
            self.now += 1
            self.most = max(self.most, self.now)
            try:
                decided = await real(*args)
                self.decided[name] += 1
                return decided
            finally:
                self.now -= 1

        return watched


def _processes(settings: Settings, count: int = 2, answer_s: float = 10.0) -> Any:
    """Batchers as separate processes would hold them, deciding check-ins by hand too."""
    by_hand = functools.partial(decide_by_hand, retention=settings.idempotency_key_retention)
    return batchers(settings, count, by_hand=by_hand, answer_s=answer_s)


_store = store


async def _camera(api: Api, settings: Settings) -> tuple[str, str]:
    """A camera registered at the gate: its id and its gate's."""
    await device(api)
    async with _store(settings) as uow:
        cameras = (await uow.session.scalars(select(Device))).all()
        newest = max(cameras, key=lambda d: d.created_at)
        return newest.id, newest.gate_id


def _event(minutes_ago: float = 0) -> DeviceEvent:
    plate = unique_plate("29H")
    observed = utc_now() - timedelta(minutes=minutes_ago)
    return DeviceEvent(f"evt-{plate}", observed, plate=plate)


def _by_hand(key: str | None = None, plate: str | None = None, **wanted: Any) -> ByHand:
    """An officer's check-in of a walk-in by its plate (or ``wanted``), with ``key``."""
    request = ManualCheckin(**wanted) if wanted else ManualCheckin("export", plate=plate)
    fingerprint = hashlib.sha256(repr(request).encode()).hexdigest()
    return ByHand(
        "officer", "officer-7", "gate_operator", request, utc_now(), "o7", key, fingerprint
    )


async def test_a_backlog_sent_to_the_other_process_is_decided_by_the_holder_beside_live_reads(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    camera, gate = await _camera(api, settings)
    probe, pick = Probe(), random.Random(20)
    async with _processes(settings) as (owner, other):
        await owner.submit(gate, camera, _event())
        assert owner.pipelines.held(gate) is not None
        probe.watch("owner", owner, monkeypatch)
        probe.watch("other", other, monkeypatch)
        # A camera offline for an hour: 800 reads, in the order observed (4 batches at least).
        backlog = [_event(minutes_ago=60 - n * 0.05) for n in range(800)]
        replaying = asyncio.create_task(other.submit_backlog(gate, camera, backlog))
        live = [_event() for _ in range(40)]
        live_answers = await asyncio.gather(
            *(pick.choice((owner, other)).submit(gate, camera, e) for e in live)
        )
        # Live reads of the same gate are not held behind the whole backlog.
        assert not replaying.done()
        answers = await replaying
    assert probe.decided["other"] == 0 and probe.decided["owner"] >= 4
    assert probe.most == 1  # never two of the gate's transactions deciding at once
    assert all(isinstance(a, tuple) and not a[1] for a in [*answers, *live_answers])
    bodies = [a[0] for a in answers if isinstance(a, tuple)]
    decoded = [msgspec.json.decode(body) for body in bodies]
    assert [d["event_id"] for d in decoded] == [e.event_id for e in backlog]
    assert {d["outcome"] for d in decoded} == {"walk_in"}
    # Decided in the order observed: each backlog truck queues behind the one before.
    places = [d["queue_position"] for d in decoded]
    assert places == sorted(places) and len(set(places)) == len(places)
    async with _store(settings) as uow:
        stored = dict(
            (await uow.session.execute(select(CheckinRecord.event_id, CheckinRecord.answer))).all()
        )
    assert [stored[e.event_id] for e in backlog] == bodies
    # Sent again (the device got no answer), to either process: the stored answers.
    async with _processes(settings) as (_, second):
        again = await second.submit_backlog(gate, camera, backlog[:50])
        assert again == [(body, True) for body in bodies[:50]]


async def test_a_check_in_by_hand_sent_to_the_other_process_is_decided_by_the_holder(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    camera, gate = await _camera(api, settings)
    probe, pick = Probe(), random.Random(20)
    async with _processes(settings) as (owner, other):
        await owner.submit(gate, camera, _event())
        probe.watch("owner", owner, monkeypatch)
        probe.watch("other", other, monkeypatch)
        jobs = [_by_hand(key=f"key-{n}", plate=unique_plate("29H")) for n in range(6)]
        reads = [_event() for _ in range(60)]
        replies, _ = await asyncio.gather(
            asyncio.gather(*(other.submit_by_hand(gate, job) for job in jobs)),
            asyncio.gather(*(pick.choice((owner, other)).submit(gate, camera, e) for e in reads)),
        )
        # A retry with the same key gets the stored answer; another request with it, 422.
        retried = await other.submit_by_hand(gate, jobs[0])
        reused = await other.submit_by_hand(
            gate, msgspec.structs.replace(jobs[0], fingerprint="0" * 64)
        )
        # Without a key, a refusal comes back to be raised as it was, nothing stored.
        missing = await other.submit_by_hand(gate, _by_hand(booking_id="no-such-booking"))
        assert other.pipelines.held(gate) is None
    assert probe.decided["other"] == 0 and probe.decided["owner"] >= len(jobs) + 3
    assert probe.most == 1
    for reply in replies:
        assert (reply.status, reply.replayed, reply.refused) == (200, False, "")
        answer = msgspec.json.decode(reply.body)
        assert answer["outcome"] == "walk_in" and answer["event_id"].startswith("manual-")
    assert retried == ByHandReply(200, replies[0].body, replayed=True)
    assert isinstance(reused.error(), IdempotencyKeyReused)
    assert (
        isinstance(missing.error(), NotFound) and missing.detail == "no such vehicle at this gate"
    )
    async with _store(settings) as uow:
        stored = dict(
            (
                await uow.session.execute(
                    select(IdempotencyRecord.key, IdempotencyRecord.body).where(
                        IdempotencyRecord.owner_id == "o7"
                    )
                )
            ).all()
        )
    assert stored == {job.key: reply.body for job, reply in zip(jobs, replies, strict=True)}


async def _silent_peer() -> tuple[asyncio.Server, str, list[bytes]]:
    """A real TCP peer that accepts connections, reads what it is sent, and never answers."""
    heard: list[bytes] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while chunk := await reader.read(65536):
            heard.append(chunk)
        writer.close()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    return server, f"{host}:{port}", heard


async def test_a_holder_that_never_answers_is_taken_over(api: Api, settings: Settings):
    camera, gate = await _camera(api, settings)
    server, address, heard = await _silent_peer()
    engine = create_engine(settings)
    factory = create_session_factory(engine)

    def new_uow() -> UnitOfWork:
        return UnitOfWork(factory, InMemoryEventBus())

    # A holder whose lease names the silent peer's address (alive, renewing, never answering).
    ghost = Pipelines(new_uow, term=timedelta(minutes=5), address=address)
    try:
        async with _processes(settings, count=1, answer_s=0.5) as (forwarder,):
            for send in (
                lambda: forwarder.submit(gate, camera, _event()),
                lambda: forwarder.submit_by_hand(gate, _by_hand(plate=unique_plate("29H"))),
            ):
                taken = await ghost.route(gate)
                assert isinstance(taken, Lease)
                answered = await asyncio.wait_for(send(), 30)
                assert heard  # it was asked, and never answered: the forwarder took over
                held = forwarder.pipelines.held(gate)
                assert held is not None and held.epoch == taken.epoch + 1
                if isinstance(answered, ByHandReply):
                    body = answered.body
                else:
                    assert isinstance(answered, tuple)
                    body = answered[0]
                assert msgspec.json.decode(body)["outcome"] == "walk_in"
                # The ghost hears it was replaced at its next renewal; here, at once.
                ghost.lost(taken)
                await forwarder.pipelines.release_all()
                heard.clear()
    finally:
        await ghost.release_all()
        server.close()
        await server.wait_closed()
        await engine.dispose()

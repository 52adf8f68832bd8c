"""The live projector runs in a process that decides no gate's check-ins, when there is one
(issue 20): a busy leader hands its lease to an idle process, a lone busy process still
projects and keeps the lease, an idle leader is not displaced by a busy newcomer, and the
new leader's first message on a board is a snapshot of the true state continuing the
sequence viewers hold. Two processes here are two projectors on one Redis namespace of their
own, each with its own backend; the lease's term is a minute, so no hand-over seen here is a
lapsed lease. On SQLite only: what is tested is who projects, not what the boards read."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import msgspec
import pytest
import redis.asyncio as redis_asyncio
from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.checkins.leases import Lease
from gate.config import Settings
from gate.live.backends import RedisLiveBackend
from gate.live.channels import board_channel
from gate.live.messages import ChannelMessage
from gate.live.projector import Projector
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.live import eventually

BOARD = board_channel("tan-thanh")
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

LEASE_MS = 60_000  # far longer than any test here: a hand-over is never an expiry
TICK_S = 0.02
STEADY = ("gate", "name", "name_en", "paused")  # board fields that do not move with the clock


class _Polled(RedisLiveBackend):
    """The Redis backend, keeping what each of its projector's polls of the lease found."""

    def __init__(self, url: str, namespace: str) -> None:
        super().__init__(url, namespace, lease_ms=LEASE_MS)
        self.namespace = namespace
        self.found: list[bool] = []

    async def lead(self, busy: bool = False) -> bool:
        leads = await super().lead(busy)
        self.found.append(leads)
        return leads


@dataclass
class _Process:
    backend: _Polled
    projector: Projector
    busy: bool
    task: asyncio.Task[None] | None = field(default=None)

    async def polled(self, more: int) -> None:
        """Until this process's projector has polled the lease ``more`` times again."""
        until = len(self.backend.found) + more
        await eventually(lambda: _true(len(self.backend.found) >= until))


async def _true(value: bool) -> bool:
    return value


@pytest.fixture
async def processes(
    settings: Settings, bus: InMemoryEventBus, redis_url: str
) -> AsyncIterator[Callable[[bool], _Process]]:
    """Start a projector process, busy or idle, on this test's namespace."""
    namespace = f"test-{uuid.uuid4().hex}"
    engine = create_engine(settings)
    factory = create_session_factory(engine, read_only=True)
    started: list[_Process] = []

    def start(busy: bool) -> _Process:
        backend = _Polled(redis_url, namespace)
        projector = Projector(lambda: UnitOfWork(factory, bus), backend, tick=TICK_S)
        process = _Process(backend, projector, busy)
        projector.busy = lambda: process.busy
        process.task = asyncio.create_task(projector.run())
        started.append(process)
        return process

    yield start
    for process in started:
        process.projector.stop()
    for process in started:
        assert process.task is not None
        await process.task
        await process.backend.close()
    await engine.dispose()
    client = redis_asyncio.Redis.from_url(redis_url)
    keys = [key async for key in client.scan_iter(match=f"{namespace}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def _leads(process: _Process) -> bool:
    return process.projector.leading


async def _published(process: _Process) -> bool:
    return await _stored(process) is not None


async def _stored(process: _Process) -> ChannelMessage | None:
    raw = await process.backend.snapshot(BOARD)
    return None if raw is None else msgspec.json.decode(raw, type=ChannelMessage)


async def test_a_busy_leader_hands_the_lease_to_an_idle_process(
    processes: Callable[[bool], _Process], redis_url: str
):
    busy = processes(True)
    await eventually(lambda: _leads(busy))  # alone, it projects
    await eventually(lambda: _published(busy))
    before = await _stored(busy)
    assert before is not None

    heard: list[ChannelMessage] = []
    listening = asyncio.Event()
    listener = RedisLiveBackend(redis_url, busy.backend.namespace)
    reader = asyncio.create_task(
        listener.run_reader(
            lambda raw: heard.append(msgspec.json.decode(raw, type=ChannelMessage)),
            listening.set,
        )
    )
    await asyncio.wait_for(listening.wait(), 10)  # subscribed: it hears the first message
    idle = processes(False)
    # A few of its polls (0.02 s apart), not the lease's term (a minute).
    await eventually(lambda: _both(idle, busy), within=5)
    assert not busy.projector.leading

    # Its first message on the board is a snapshot that follows what viewers hold, the whole
    # board read afresh (what moves with the clock aside, nothing changed: the same board).
    await eventually(lambda: _true(any(m.channel == BOARD for m in heard)))
    first = next(m for m in heard if m.channel == BOARD)
    assert first.kind == "snapshot"
    assert first.prev == before.seq and first.seq > before.seq
    assert first.data.keys() == before.data.keys()
    assert [first.data[k] for k in STEADY] == [before.data[k] for k in STEADY]
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
    await listener.close()

    # The busy process no longer projects: it stays out while the idle one leads.
    await busy.polled(20)
    assert idle.projector.leading and not busy.projector.leading


async def _both(leader: _Process, other: _Process) -> bool:
    return leader.projector.leading and not other.projector.leading


async def test_a_lone_busy_process_projects_and_keeps_the_lease(
    processes: Callable[[bool], _Process],
):
    busy = processes(True)
    await eventually(lambda: _leads(busy))
    await busy.polled(25)
    taken = busy.backend.found.index(True)
    assert all(busy.backend.found[taken:]), "the lease changed hands with nobody to take it"
    assert await _stored(busy) is not None


async def test_an_idle_leader_keeps_the_lease_when_a_busy_process_starts(
    processes: Callable[[bool], _Process],
):
    idle = processes(False)
    await eventually(lambda: _leads(idle))
    busy = processes(True)
    await busy.polled(30)
    await idle.polled(5)
    assert idle.projector.leading
    assert not any(busy.backend.found)
    taken = idle.backend.found.index(True)
    assert all(idle.backend.found[taken:])


async def test_a_leader_that_becomes_busy_hands_over_and_takes_back_when_alone_again(
    processes: Callable[[bool], _Process],
):
    first = processes(False)
    await eventually(lambda: _leads(first))
    second = processes(False)
    await second.polled(5)
    assert first.projector.leading and not second.projector.leading

    first.busy = True
    await eventually(lambda: _both(second, first), within=5)
    # Both busy: the leader keeps it (nobody idle offers), no going back and forth.
    second.busy = True
    await second.polled(30)
    assert second.projector.leading and not first.projector.leading
    # The first idle again: it offers, and the busy leader hands the lease back.
    first.busy = False
    await eventually(lambda: _both(first, second), within=5)


async def test_a_process_that_decides_a_gates_check_ins_is_busy_for_the_projector(
    settings: Settings, bus: InMemoryEventBus
):
    app = app_for(settings, bus)
    platform = app.state.platform
    async with in_process_client(app):
        assert not platform.live.projector.busy()
        async with platform.unit_of_work(read_only=True) as uow:
            gate = await uow.session.scalar(select(Gate.id).where(Gate.code == "tan-thanh"))
        assert gate is not None
        # What the gate's first check-in does in this process: take the gate's lease.
        assert isinstance(await platform.checkins.pipelines.route(gate), Lease)
        assert platform.live.projector.busy()

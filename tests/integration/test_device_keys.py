"""Device keys are remembered by each process for a few seconds, so a camera's read costs no
key lookup; a key revoked by another process stops working when that memory runs out."""

from __future__ import annotations

import asyncio

from sqlalchemy import update

from gate.accounts.memory import KeyMemory
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.devices.keys import DeviceKeys
from gate.domain.time import utc_now
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import Device
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api, device


async def test_a_key_revoked_elsewhere_is_refused_once_the_memory_of_it_runs_out(
    api: Api, settings: Settings
):
    token = (await device(api))["Authorization"].removeprefix("Bearer ")
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    now = [0.0]
    keys = DeviceKeys(KeyMemory(ttl=5, clock=lambda: now[0]))
    try:

        def reading() -> UnitOfWork:
            return UnitOfWork(factory, InMemoryEventBus())

        known = await keys.recognise(token, reading)
        assert known is not None and known.gate_code == "tan-thanh"
        async with reading() as uow:  # another process revokes it
            await uow.session.execute(update(Device).values(revoked_at=utc_now()))
            await uow.commit()
        now[0] = 4.9
        assert await keys.recognise(token, reading) == known  # still remembered
        now[0] = 5.1
        assert await keys.recognise(token, reading) is None
        assert await keys.recognise(token.replace("gd_", "gk_"), reading) is None
        assert await keys.recognise(token[:-3] + "xyz", reading) is None
    finally:
        await engine.dispose()


async def test_requests_in_flight_when_the_memory_runs_out_share_one_lookup(
    api: Api, settings: Settings
):
    token = (await device(api))["Authorization"].removeprefix("Bearer ")
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    keys = DeviceKeys(KeyMemory(ttl=5))
    opened = 0
    try:

        def reading() -> UnitOfWork:
            nonlocal opened
            opened += 1
            return UnitOfWork(factory, InMemoryEventBus())

        found = await asyncio.gather(*(keys.recognise(token, reading) for _ in range(16)))
        assert opened == 1  # a camera's burst: one connection, one query, not sixteen
        assert len(set(found)) == 1 and found[0] is not None
        assert keys.memory.lookups_in_flight() == 0  # nothing held once they are answered
        bad = token[:-3] + "xyz"
        assert await asyncio.gather(*(keys.recognise(bad, reading) for _ in range(3))) == [None] * 3
        assert opened == 4  # a key found to be no device's is asked again by each request
    finally:
        await engine.dispose()

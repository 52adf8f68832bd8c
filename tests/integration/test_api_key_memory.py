"""API keys (and yard devices' keys) are remembered by each process for a few seconds; when that
memory runs out, the requests of one key in flight share one lookup (a booking rush's waiting
requests each read the key again: 200 re-reads in one counted rush, issue 20)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event, update

from gate.accounts.memory import KeyMemory
from gate.accounts.principal import Principal
from gate.authentication.service import authenticate
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.errors import Unauthorised
from gate.domain.time import utc_now
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import ApiKey
from gate.store.unit_of_work import UnitOfWork
from tests.helpers import Api


async def test_requests_in_flight_when_a_keys_memory_runs_out_share_one_lookup(
    api: Api, settings: Settings
):
    token = (await api.enterprise()).headers["Authorization"].removeprefix("Bearer ")
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    now = [0.0]
    memory: KeyMemory[Principal] = KeyMemory(ttl=5, clock=lambda: now[0])
    lookups = 0

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal lookups
        lookups += "FROM api_keys" in statement

    event.listen(engine.sync_engine, "before_cursor_execute", count)

    async def request() -> Principal:
        async with UnitOfWork(factory, InMemoryEventBus()) as uow:
            return await authenticate(uow, token, None, memory)

    try:
        first = await asyncio.gather(*(request() for _ in range(16)))
        assert lookups == 1  # sixteen requests at once: one query, not sixteen
        assert len(set(first)) == 1
        now[0] = 4.9
        assert await request() == first[0] and lookups == 1  # remembered
        now[0] = 5.1  # the memory ran out with 16 requests in flight
        again = await asyncio.gather(*(request() for _ in range(16)))
        assert lookups == 2 and again == first
        assert memory.lookups_in_flight() == 0  # nothing held once they are answered

        async with UnitOfWork(factory, InMemoryEventBus()) as uow:  # revoked elsewhere
            await uow.session.execute(update(ApiKey).values(revoked_at=utc_now()))
            await uow.commit()
        now[0] = 10.2
        refused = await asyncio.gather(*(request() for _ in range(3)), return_exceptions=True)
        assert all(isinstance(r, Unauthorised) for r in refused)
        assert lookups == 5  # a key found to be nobody's is asked again by each request
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
        await engine.dispose()

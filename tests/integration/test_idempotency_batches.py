"""A batch's Idempotency-Keys (gate/store/idempotency.py, the booking rush): claimed in one
statement, which takes new keys and those whose record expired but not those a live record
holds, and answered in one, each answer written to its own key and read back as stored. On
PostgreSQL both are statements of arrays, on SQLite of one row per key: the same records."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.time import utc_now
from gate.store.database import create_engine, create_session_factory
from gate.store.idempotency import Claim, Stored, claim_keys, store_answers, stored_answers
from gate.store.tables import IdempotencyRecord
from gate.store.unit_of_work import UnitOfWork

UnitOfWorks = Callable[[], UnitOfWork]
PRINT = "a" * 64
OTHER = "b" * 64


@pytest.fixture
async def units(settings: Settings, bus: InMemoryEventBus) -> AsyncIterator[UnitOfWorks]:
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    try:
        yield lambda: UnitOfWork(factory, bus)
    finally:
        await engine.dispose()


Record = tuple[str, int, bytes, datetime]  # fingerprint, status, body, created_at


async def _records(uow: UnitOfWork) -> dict[tuple[str, str], Record]:
    rows = await uow.session.scalars(select(IdempotencyRecord))
    return {
        (row.owner_id, row.key): (row.fingerprint, row.status_code, row.body, row.created_at)
        for row in rows
    }


async def test_a_claim_takes_new_and_expired_keys_and_leaves_live_ones_to_their_answers(
    units: UnitOfWorks,
):
    now = utc_now()
    async with units() as uow:
        for key, age in (("live", timedelta(hours=1)), ("old", timedelta(days=2))):
            uow.session.add(
                IdempotencyRecord(
                    owner_id="one",
                    key=key,
                    fingerprint=OTHER,
                    status_code=201,
                    body=b'{"kept": true}',
                    created_at=now - age,
                )
            )
        await uow.commit()

    claims = [
        Claim("one", "live", PRINT),
        Claim("one", "new", PRINT),
        Claim("one", "old", PRINT),
        Claim("two", "live", PRINT),  # the same key, another owner's
    ]
    async with units() as uow:
        claimed = await claim_keys(uow, claims, now - timedelta(days=1))
        held = await stored_answers(uow, [("one", "live")])
        await uow.commit()

    assert claimed == {("one", "new"), ("one", "old"), ("two", "live")}
    assert held == {("one", "live"): Stored(OTHER, 201, b'{"kept": true}')}
    async with units() as uow:
        records = await _records(uow)
    assert set(records) == {("one", "live"), ("one", "new"), ("one", "old"), ("two", "live")}
    assert records[("one", "live")][:3] == (OTHER, 201, b'{"kept": true}')
    fingerprint, status, body, created_at = records[("one", "old")]  # taken over: made anew
    assert (fingerprint, status, body) == (PRINT, 0, b"")
    assert created_at >= now


async def test_answers_are_stored_each_under_its_key_and_replayed_from_there(
    units: UnitOfWorks,
):
    keys = [("one", f"key-{n}") for n in range(5)]
    answers = {
        key: (200 + n, f'{{"n": {n}}}'.encode() + bytes([0, 255, n]))
        for n, key in enumerate(keys[:4])
    }
    async with units() as uow:
        claimed = await claim_keys(
            uow, [Claim(owner, key, PRINT) for owner, key in keys], utc_now() - timedelta(days=1)
        )
        await store_answers(uow, answers)
        await uow.commit()

    assert claimed == set(keys)
    async with units() as uow:
        stored = await stored_answers(uow, keys)
    assert stored == {
        **{key: Stored(PRINT, status, body) for key, (status, body) in answers.items()},
        keys[4]: Stored(PRINT, 0, b""),  # claimed, not answered
    }

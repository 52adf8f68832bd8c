"""Events cross processes through Redis, after commit; a lost Redis loses no booking."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest
import redis.asyncio as redis_asyncio

from gate.bus.events import RedisEventBus
from gate.config import Settings
from tests.apps import app_for
from tests.asgi import in_process_client
from tests.helpers import Api, tomorrow_at
from tests.own_services import OwnRedis


async def _client(settings: Settings, bus: RedisEventBus) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process_client(app_for(settings, bus)) as client:
        yield client


@pytest.fixture
async def redis_api(settings: Settings, redis_url: str) -> AsyncIterator[tuple[Api, str]]:
    stream = f"test:events:{uuid.uuid4()}"
    async for client in _client(settings, RedisEventBus(redis_url, stream=stream)):
        yield Api(client), stream
    reader = redis_asyncio.Redis.from_url(redis_url)
    await reader.delete(stream)
    await reader.aclose()


async def test_a_booking_is_published_to_the_redis_stream_after_commit(
    redis_api: tuple[Api, str], redis_url: str
):
    api, stream = redis_api
    enterprise = await api.enterprise()
    await api.set_capacity(tomorrow_at(9), 1)
    booking = (await enterprise.book(tomorrow_at(9))).json()
    assert (await enterprise.book(tomorrow_at(9))).status_code == 409

    reader = redis_asyncio.Redis.from_url(redis_url)
    entries = await reader.xrange(stream)
    await reader.aclose()
    events = [msgspec.json.decode(fields[b"e"]) for _, fields in entries]
    events = [e for e in events if "booking_id" in e]  # calendar changes are published too
    assert [e["event"] for e in events] == ["booking.created"]
    assert events[0]["booking_id"] == booking["id"]
    # Public-safe: the event names no plate, driver or declaration.
    assert "plate" not in events[0] and "declaration_number" not in events[0]


async def test_bookings_succeed_while_redis_is_unreachable_and_readiness_says_so(
    settings: Settings,
):
    # Bound and never listening, held for the test: every connection to it is refused.
    with socket.socket() as nobody:
        nobody.bind(("127.0.0.1", 0))
        bus = RedisEventBus(f"redis://127.0.0.1:{nobody.getsockname()[1]}/0")
        async for client in _client(settings, bus):
            api = Api(client)
            enterprise = await api.enterprise()
            answer = await enterprise.book(tomorrow_at(9))
            assert answer.status_code == 201
            stored = await client.get(
                f"/api/v1/bookings/{answer.json()['id']}", headers=enterprise.headers
            )
            assert stored.json()["status"] == "booked"
            ready = await client.get("/health/ready")
            assert ready.status_code == 503
            assert ready.json() == {
                "database": "up",
                "bus": "down",
                "detail": "the event bus (Redis) does not answer or takes no writes",
            }


@pytest.mark.redis
@pytest.mark.parametrize("backend", ["sqlite"])  # the bus's probe, not the database
async def test_readiness_says_the_bus_is_down_while_redis_answers_but_refuses_writes(
    settings: Settings,
):
    """Out of memory under ``noeviction``, or a master a failover made a replica (READONLY):
    Redis still answers PING, but carries no event to another process and no board moves.
    The test's own Redis: reconfiguring the machine's would disturb every other test."""
    own = OwnRedis()
    try:
        control = redis_asyncio.Redis.from_url(own.url)
        bus = RedisEventBus(own.url, stream=f"test:events:{uuid.uuid4()}")
        async for client in _client(settings, bus):
            assert (await client.get("/health/ready")).status_code == 200
            refusals = [("CONFIG SET", "maxmemory", 1), ("REPLICAOF", "127.0.0.1", 1)]
            restores = [("CONFIG SET", "maxmemory", 0), ("REPLICAOF", "NO", "ONE")]
            for refuse, restore in zip(refusals, restores, strict=True):
                await control.execute_command(*refuse)
                ready = await client.get("/health/ready")
                assert ready.status_code == 503, refuse
                assert ready.json()["bus"] == "down"
                await control.execute_command(*restore)
                assert (await client.get("/health/ready")).status_code == 200
        await control.aclose()
    finally:
        own.remove()

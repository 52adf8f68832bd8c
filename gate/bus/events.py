"""The event bus. Publishing never fails a request: the database is the truth, and whatever a
lost Redis did not carry is rebuilt from the database by its readers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import msgspec
import redis.asyncio as redis_asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from gate.domain.events import DomainEvent

log = logging.getLogger("gate.bus")

EVENT_STREAM = "gate:events"
# The stream is a short-lived relay, not a store: readers that fall further behind resync.
STREAM_MAX_LEN = 100_000

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class EventBus(Protocol):
    async def publish(self, events: Sequence[DomainEvent]) -> None: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


class InMemoryEventBus:
    """The embedded default: subscribers in this process get each event after commit."""

    def __init__(self) -> None:
        self._handlers: list[Handler] = []
        self.published: list[dict[str, Any]] = []
        self._keep = 1000

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        for domain_event in events:
            payload = domain_event.payload()
            self.published.append(payload)
            del self.published[: -self._keep]
            for handler in self._handlers:
                try:
                    await handler(payload)
                except Exception:  # one bad subscriber must not silence the others
                    log.exception("bus.memory.handler_failed")

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._handlers.clear()


class RedisEventBus:
    """Appends events to a Redis stream that every process of the platform reads."""

    def __init__(self, url: str, stream: str = EVENT_STREAM) -> None:
        self.stream = stream
        self._client = redis_client(url)

    @property
    def client(self) -> redis_asyncio.Redis:
        return self._client

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for domain_event in events:
                    data = msgspec.json.encode(domain_event.payload())
                    pipe.xadd(self.stream, {"e": data}, maxlen=STREAM_MAX_LEN, approximate=True)
                await pipe.execute()
        except (TimeoutError, redis_asyncio.RedisError, OSError):
            log.warning("bus.redis.publish_failed", extra={"events": len(events)})

    async def ping(self) -> bool:
        try:
            return bool(await self._client.ping())
        except (TimeoutError, redis_asyncio.RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._client.aclose()


def redis_client(url: str, socket_timeout: float = 1) -> redis_asyncio.Redis:
    """A client that fails fast while Redis is away and, once it is back, retries a command
    once on a fresh connection instead of failing on the dead one it still held."""
    return redis_asyncio.Redis.from_url(
        url,
        socket_connect_timeout=1,
        socket_timeout=socket_timeout,
        health_check_interval=10,
        retry=Retry(NoBackoff(), 1),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )


def create_event_bus(
    redis_url: str | None, namespace: str = "gate"
) -> InMemoryEventBus | RedisEventBus:
    if redis_url:
        return RedisEventBus(redis_url, stream=f"{namespace}:events")
    return InMemoryEventBus()

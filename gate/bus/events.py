"""The event bus. Publishing never fails a request, and never holds one long: the database is
the truth, and whatever a lost or stalled Redis did not carry is rebuilt from the database by
its readers (the boards' projector rebuilds every channel periodically, and at once in this
process when told what was not carried: ``RedisEventBus.when_unpublished``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import msgspec
import redis.asyncio as redis_asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.typing import EncodableT, FieldT

from gate.domain.events import DomainEvent
from gate.metrics import BUS_EVENTS_UNPUBLISHED, BUS_PUBLISH_FAILURES

log = logging.getLogger("gate.bus")

EVENT_STREAM = "gate:events"
# The stream is a short-lived relay, not a store: readers that fall further behind resync.
STREAM_MAX_LEN = 100_000

Handler = Callable[[dict[str, Any]], Awaitable[None]]
Unpublished = Callable[[Sequence[DomainEvent]], None]
# How long publishing after a commit may hold the request that committed (seconds): an
# append to Redis takes well under a millisecond; a Redis that is stalled (stopped, swapping,
# a network partition that drops packets) would otherwise hold every answer for the client's
# socket timeout and its retry (two seconds and more).
PUBLISH_TIMEOUT_S = 0.25
# The readiness probe's key lives this long (milliseconds): one key whatever the probing rate.
READY_PROBE_TTL_MS = 10_000


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

    def __init__(
        self, url: str, stream: str = EVENT_STREAM, publish_timeout_s: float = PUBLISH_TIMEOUT_S
    ) -> None:
        self.stream = stream
        self.publish_timeout_s = publish_timeout_s
        self._client = redis_client(url)
        self._unpublished: list[Unpublished] = []

    @property
    def client(self) -> redis_asyncio.Redis:
        return self._client

    def when_unpublished(self, handler: Unpublished) -> None:
        """Call ``handler`` with the events a publish failed to carry (in this process, at
        once: it must not block), so that this process's readers can rebuild from the
        database without waiting for their next periodic rebuild."""
        self._unpublished.append(handler)

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Append ``events`` to the stream within ``publish_timeout_s``; on failure or timeout
        log, hand them to the ``when_unpublished`` handlers and return. Never raises: the
        events are committed already, and the boards are functions of the database."""
        if not events:
            return
        try:
            # A timeout cancels the command; redis-py then drops that connection (a reply
            # may still be on its way), and the next command opens a fresh one.
            async with (
                asyncio.timeout(self.publish_timeout_s),
                self._client.pipeline(transaction=False) as pipe,
            ):
                for domain_event in events:
                    pipe.xadd(
                        self.stream,
                        envelope(domain_event),
                        maxlen=STREAM_MAX_LEN,
                        approximate=True,
                    )
                await pipe.execute()
        except (TimeoutError, redis_asyncio.RedisError, OSError) as error:
            BUS_PUBLISH_FAILURES.inc()
            BUS_EVENTS_UNPUBLISHED.inc(len(events))
            log.warning(
                "bus.redis.publish_failed",
                extra={"events": len(events), "error": type(error).__name__},
            )
            for handler in self._unpublished:
                try:
                    handler(events)
                except Exception:  # a fallback must not turn a lost publish into an error
                    log.exception("bus.redis.fallback_failed")

    async def ping(self) -> bool:
        """Whether Redis answers and takes writes: a key of the bus's own, set to expire in
        a few seconds. A PING alone said "up" for a Redis that refuses every write (out of
        memory under ``noeviction``; a master demoted to a replica by a failover, READONLY)
        while no event reached another process and no board moved."""
        try:
            key = f"{self.stream}:ready"
            return bool(await self._client.set(key, b"1", px=READY_PROBE_TTL_MS))
        except (TimeoutError, redis_asyncio.RedisError, OSError):
            return False

    async def close(self) -> None:
        await self._client.aclose()


def append_ms(entry_id: bytes | str) -> int:
    """The millisecond (Unix time, Redis's clock) a stream entry was appended at: the first
    part of its id (``<ms>-<seq>``), as Redis makes ids for ``XADD *``."""
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])


def envelope(event: DomainEvent) -> dict[FieldT, EncodableT]:
    """The stream entry of ``event``: ``e``, its payload as JSON (what every reader reads);
    ``r``, when a request caused it, that request's id (gate/request_ids.py), beside the
    payload and not in it: readers that pass payloads on to the public (the boards, the
    websockets) pass nothing new, and an operator or a log pipeline reading the stream finds
    the request behind each event."""
    entry: dict[FieldT, EncodableT] = {"e": msgspec.json.encode(event.payload())}
    if event.request_id is not None:
        entry["r"] = event.request_id.encode()
    return entry


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
    redis_url: str | None, namespace: str = "gate", publish_timeout_s: float = PUBLISH_TIMEOUT_S
) -> InMemoryEventBus | RedisEventBus:
    """Redis when ``redis_url`` is given (its stream named after ``namespace``), else the
    in-memory bus of the embedded default."""
    if redis_url:
        return RedisEventBus(
            redis_url, stream=f"{namespace}:events", publish_timeout_s=publish_timeout_s
        )
    return InMemoryEventBus()

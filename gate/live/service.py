"""Wiring of the live parts in one process: the backend, the hub, the projector, and the
feeds of domain events that tell the projector what changed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import msgspec
import redis.asyncio as redis_asyncio

from gate.bus.events import InMemoryEventBus, RedisEventBus, append_ms
from gate.domain.events import DomainEvent
from gate.domain.slots import DEFAULT_HORIZON
from gate.live.backends import LiveBackend, MemoryLiveBackend, RedisLiveBackend
from gate.live.hub import Hub
from gate.live.projector import Projector
from gate.metrics import BUS_LAG
from gate.store.unit_of_work import UnitOfWork

log = logging.getLogger("gate.live")
WANT_EVERY_S = 5.0


class Live:
    def __init__(
        self,
        new_uow: Callable[[], UnitOfWork],
        bus: InMemoryEventBus | RedisEventBus | Any,
        redis_url: str | None,
        namespace: str = "gate",
        horizon: timedelta = DEFAULT_HORIZON,
    ) -> None:
        self.backend: LiveBackend = (
            RedisLiveBackend(redis_url, namespace)
            if redis_url
            else MemoryLiveBackend(lambda: self.hub.watched())
        )
        self.hub = Hub(self.backend.snapshot)
        self.projector = Projector(new_uow, self.backend, horizon=horizon)
        self._bus = bus
        self._tasks: list[asyncio.Task[None]] = []
        self._listeners: list[Callable[[dict[str, Any]], None]] = []

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self.backend.run_reader(self.hub.deliver, self._resync_all)),
            asyncio.create_task(self.projector.run()),
            asyncio.create_task(self._keep_wanting()),
        ]
        if isinstance(self._bus, InMemoryEventBus):
            self._bus.subscribe(self._on_event)
        elif isinstance(self._bus, RedisEventBus):
            self._tasks.append(asyncio.create_task(self._follow_redis_events(self._bus)))
            # What a stalled Redis did not carry marks our projector's channels directly (it
            # rebuilds them from the database); another process's projector, if it holds the
            # lease, catches up at its periodic rebuild.
            self._bus.when_unpublished(self._on_unpublished)

    async def stop(self) -> None:
        self.projector.stop()
        projector = self._tasks[1] if len(self._tasks) > 1 else None
        if projector is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(projector), 10)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.backend.close()

    async def watch(self, channel: str, since: int | None) -> tuple[Any, list[str]]:
        """A viewer of ``channel``; tells the projector someone is watching it."""
        await self._wanted(channel)
        return await self.hub.subscribe(channel, since)

    async def attach(self, channel: str, since: int | None, socket: Any) -> list[str]:
        """A broadcaster's socket on ``channel`` (see Hub.attach); tells the projector too."""
        await self._wanted(channel)
        return await self.hub.attach(channel, since, socket)

    async def _wanted(self, channel: str) -> None:
        # Every process's projector learns of it through the backend; ours is marked now.
        await self.backend.want([channel])
        self.projector.mark(channel)

    def listen(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Call ``listener`` with every domain event this process learns of, from the
        in-memory bus or from the Redis stream every process appends to (at most once each;
        events lost while Redis is away are not replayed)."""
        self._listeners.append(listener)

    def _heard(self, payload: dict[str, Any]) -> None:
        self.projector.on_event(payload)
        for listener in self._listeners:
            try:
                listener(payload)
            except Exception:  # one bad listener must not stop the boards
                log.exception("live.events.listener_failed")

    async def _on_event(self, payload: dict[str, Any]) -> None:
        self._heard(payload)

    def _on_unpublished(self, events: Sequence[DomainEvent]) -> None:
        for domain_event in events:
            self.projector.on_event(domain_event.payload())

    def _resync_all(self) -> None:
        # After a reconnect to Redis: catch up every channel this process knows.
        for channel in self.hub.known():
            self.hub.resync_soon(channel)

    async def _keep_wanting(self) -> None:
        while True:
            await asyncio.sleep(WANT_EVERY_S)
            await self.backend.want(self.hub.watched())

    async def _follow_redis_events(self, bus: RedisEventBus) -> None:
        """Read the domain events every process appends, to mark channels dirty quickly.
        Events lost while Redis was away are covered by the projector's periodic rebuild."""
        last_id = "$"
        while True:
            try:
                # Block less than the client's socket timeout, or every quiet second is an error.
                replies: Any = await bus.client.xread({bus.stream: last_id}, block=500, count=500)
                for _stream, entries in replies or []:
                    read_ms = time.time() * 1000
                    for entry_id, fields in entries:
                        last_id = entry_id
                        BUS_LAG.observe(max(0.0, read_ms - append_ms(entry_id)) / 1000)
                        self._heard(msgspec.json.decode(fields[b"e"]))
            except (TimeoutError, redis_asyncio.RedisError, OSError):
                last_id = "$"
                await asyncio.sleep(0.5)
            except Exception:
                log.exception("live.events.failed")
                await asyncio.sleep(0.5)

"""Where live messages travel: in this process (the embedded default), or through Redis to
every process. Redis carries them and keeps each channel's latest snapshot; losing it loses
nothing that the projector cannot rebuild from the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Protocol

import redis.asyncio as redis_asyncio

from gate.bus.events import redis_client
from gate.live.channels import always_on
from gate.store.leases import lease_owner_name

log = logging.getLogger("gate.live")

SNAPSHOT_TTL_S = 24 * 3600
LEASE_MS = 5000
# How long an idle process's offer to project lasts: ten of its polls (the projector's tick,
# 0.1 s). A busy leader hands its lease only to an offer this fresh, so a volunteer that has
# died since is given it (and the lease lapses) only within this window.
VOLUNTEER_MS = 1000
_REDIS_ERRORS = (redis_asyncio.RedisError, OSError, asyncio.TimeoutError)

Deliver = Callable[[bytes], None]

# The projector's lease, in one step (``RedisLiveBackend.lead``). KEYS: the lease, the
# volunteer; ARGV: this process, the lease's term (ms), 1 if this process is busy, the
# volunteer offer's term (ms). Answers 1: this process leads; 0: another does; the
# volunteer's name: this process has just given the lease to it. The hand-over happens between
# two of the giver's ticks (it calls this before each), so every message it published is in
# Redis before its successor reads the snapshots its own first ones follow.
_LEAD = """
local holder = redis.call('get', KEYS[1])
if holder and holder ~= ARGV[1] then
  if ARGV[3] == '0' then
    redis.call('set', KEYS[2], ARGV[1], 'PX', ARGV[4])
  end
  return 0
end
if ARGV[3] == '1' then
  local volunteer = redis.call('get', KEYS[2])
  if volunteer and volunteer ~= ARGV[1] then
    redis.call('set', KEYS[1], volunteer, 'PX', ARGV[2])
    redis.call('del', KEYS[2])
    return volunteer
  end
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""


class LiveBackend(Protocol):
    async def publish(self, channel: str, message: bytes, snapshot: bytes) -> None: ...

    async def snapshot(self, channel: str) -> bytes | None: ...

    async def lead(self, busy: bool = False) -> bool: ...

    async def want(self, channels: list[str]) -> None: ...

    async def wanted(self) -> list[str]: ...

    async def run_reader(self, deliver: Deliver, on_reconnect: Callable[[], None]) -> None: ...

    async def close(self) -> None: ...


class MemoryLiveBackend:
    """One process: the projector hands messages straight to the hub, and what is wanted is
    what the hub has viewers for (``watched``, asked each time). So a per-entity channel stops
    being rebuilt as soon as the projector next asks after its last viewer left, where Redis
    lets a wish expire 30 s after the last process repeated it."""

    def __init__(self, watched: Callable[[], list[str]]) -> None:
        self._snapshots: dict[str, bytes] = {}
        self._deliver: Deliver | None = None
        self._watched = watched

    async def publish(self, channel: str, message: bytes, snapshot: bytes) -> None:
        self._snapshots[channel] = snapshot
        if self._deliver is not None:
            self._deliver(message)

    async def snapshot(self, channel: str) -> bytes | None:
        return self._snapshots.get(channel)

    async def lead(self, busy: bool = False) -> bool:
        return True  # the only process: it projects, busy or not

    async def want(self, channels: list[str]) -> None:
        pass  # the hub's viewers are the wishes (see wanted)

    async def wanted(self) -> list[str]:
        """The channels watched now. The snapshots of per-entity channels that are not are
        dropped here, in the same step in which the projector forgets what it published on
        them (no await between): a viewer who comes back gets a fresh snapshot, never one
        the projector's next delta does not follow."""
        watched = self._watched()
        keep = set(watched)
        for channel in [c for c in self._snapshots if not always_on(c) and c not in keep]:
            del self._snapshots[channel]
        return watched

    async def run_reader(self, deliver: Deliver, on_reconnect: Callable[[], None]) -> None:
        self._deliver = deliver
        await asyncio.Event().wait()  # nothing to read: messages are handed over directly

    async def close(self) -> None:
        self._deliver = None


class RedisLiveBackend:
    """Pub/sub for delivery to every process, a key per channel for its latest snapshot, a
    lease so that one process at a time projects (any process takes over within a lease)."""

    def __init__(
        self,
        url: str,
        namespace: str = "gate",
        *,
        lease_ms: int = LEASE_MS,
        volunteer_ms: int = VOLUNTEER_MS,
    ) -> None:
        self._prefix = f"{namespace}:live:"
        # Channels some process has viewers for, scored by when it last said so.
        self._wanted_key = self._prefix + "wanted"
        self._leader_key = self._prefix + "leader"
        # An idle process that would take the projector's lease over from a busy leader.
        self._volunteer_key = self._prefix + "volunteer"
        self._client = redis_client(url, socket_timeout=2)
        self._me = lease_owner_name()  # host:pid:random, so the key says who projects
        self._lease_ms = lease_ms
        self._volunteer_ms = volunteer_ms
        self._lead = self._client.register_script(_LEAD)

    async def publish(self, channel: str, message: bytes, snapshot: bytes) -> None:
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.set(self._prefix + "snap:" + channel, snapshot, ex=SNAPSHOT_TTL_S)
            pipe.publish(self._prefix + "ch:" + channel, message)
            await pipe.execute()

    async def snapshot(self, channel: str) -> bytes | None:
        try:
            value = await self._client.get(self._prefix + "snap:" + channel)
        except _REDIS_ERRORS:
            return None
        if value is None:
            return None
        return value if isinstance(value, bytes) else str(value).encode()

    async def lead(self, busy: bool = False) -> bool:
        """Hold or take the projector's lease; False while another process holds it (or
        while Redis is unreachable: without it nothing could be published anyway). ``busy``:
        this process decides some gate's check-ins, and the projector had better run
        elsewhere (issue 20): a busy holder hands the lease to an idle process that offered
        to take it, a busy taker of a free lease gives it to such a process straight away,
        and an idle process that does not lead makes that offer. With no idle process about,
        a busy one leads as before. One round trip (a script), as the renewal was."""
        try:
            answer = await self._lead(
                keys=[self._leader_key, self._volunteer_key],
                args=[self._me, self._lease_ms, int(busy), self._volunteer_ms],
            )
        except _REDIS_ERRORS:
            return False
        if answer == 1:
            return True
        if answer != 0:
            successor = answer.decode() if isinstance(answer, bytes) else str(answer)
            log.info("live.projector.lease_handed_over", extra={"to": successor})
        return False

    async def want(self, channels: list[str]) -> None:
        if not channels:
            return
        # Wall-clock time: the scores are compared by other processes.
        now = time.time()
        with contextlib.suppress(*_REDIS_ERRORS):
            await self._client.zadd(self._wanted_key, {c: now for c in channels})

    async def wanted(self) -> list[str]:
        try:
            # Processes refresh their wishes every few seconds; older ones are gone viewers.
            await self._client.zremrangebyscore(self._wanted_key, "-inf", time.time() - 30)
            members = await self._client.zrange(self._wanted_key, 0, -1)
            return [m.decode() if isinstance(m, bytes) else str(m) for m in members]
        except _REDIS_ERRORS:
            return []

    async def run_reader(self, deliver: Deliver, on_reconnect: Callable[[], None]) -> None:
        """Deliver every live message published by any process, forever; after a lost
        connection, resubscribe and let the hub catch up from the snapshots."""
        backoff = 0.2
        while True:
            pubsub = self._client.pubsub()
            try:
                await pubsub.psubscribe(self._prefix + "ch:*")
                on_reconnect()
                backoff = 0.2
                while True:
                    item = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if item is not None and item.get("type") == "pmessage":
                        deliver(item["data"])
            except _REDIS_ERRORS:
                log.warning("live.redis.reader_lost")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
            finally:
                with contextlib.suppress(*_REDIS_ERRORS):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def close(self) -> None:
        await self._client.aclose()

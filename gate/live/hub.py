"""The per-process fan-out of live channels: the latest state of each channel, a short history
for replay, and the viewers. A message is encoded once and the same string goes to every
viewer; a viewer that falls behind gets the current snapshot instead of a growing backlog.

Viewers come two ways: a queue per viewer drained by its own task (the Litestar websocket
endpoints), or sockets held by a broadcaster that writes each message to all of a channel's
sockets in one synchronous pass (the public boards' server, services/boards): no task wakes
per viewer per message, which is what thousands of viewers of one board need.

A gate's channels are held for the process's life; a per-entity channel (gate/live/channels.py)
only while it has a viewer, a socket, or a subscribe under way. When the last of them goes
(closed, cancelled, failed) the channel is forgotten with its history: messages for it are
ignored until someone subscribes again, and a viewer that then comes back with ``?since=`` gets
a fresh snapshot instead of a replay (which the protocol allows whenever the missed messages
are not all held)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import Context
from dataclasses import dataclass, field
from typing import Any

import msgspec

from gate.live.channels import always_on
from gate.live.messages import ChannelMessage

log = logging.getLogger("gate.live")

HISTORY = 256  # messages kept per channel for replay to viewers who reconnect
VIEWER_BACKLOG = 32  # messages queued per viewer before it is resynced with a snapshot

_decoder = msgspec.json.Decoder(ChannelMessage)
_encoder = msgspec.json.Encoder()


class Viewer:
    """One websocket's view of one channel."""

    def __init__(self, hub: Hub, channel: ChannelState) -> None:
        self._hub = hub
        self._channel = channel
        self.queue: asyncio.Queue[str] = asyncio.Queue(VIEWER_BACKLOG)

    def offer(self, text: str) -> None:
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            # Too slow to keep up: drop its backlog, give it the current state in one message.
            while not self.queue.empty():
                self.queue.get_nowait()
            if self._channel.snapshot_text is not None:
                self.queue.put_nowait(self._channel.snapshot_text)

    async def next(self) -> str:
        return await self.queue.get()

    def close(self) -> None:
        self._channel.viewers.discard(self)
        self._hub.release(self._channel)


@dataclass(eq=False)
class ChannelState:
    name: str
    seq: int = 0
    state: dict[str, Any] | None = None
    snapshot_text: str | None = None
    history: deque[tuple[int, int | None, str]] = field(
        default_factory=lambda: deque(maxlen=HISTORY)
    )
    viewers: set[Viewer] = field(default_factory=set)
    # Connections of the broadcaster (services/boards); the hub only holds them.
    sockets: set[Any] = field(default_factory=set)
    joining: int = 0  # subscribes waiting for the channel's first snapshot

    def idle(self) -> bool:
        return not (self.viewers or self.sockets or self.joining)


Fetch = Callable[[str], Awaitable[bytes | None]]
Broadcast = Callable[[ChannelState, str], None]


class Hub:
    def __init__(self, fetch_snapshot: Fetch) -> None:
        self._channels: dict[str, ChannelState] = {}
        self._fetch = fetch_snapshot
        self.broadcast: Broadcast | None = None  # set by the boards' server when it runs here
        # Resyncs under way; held here so the event loop cannot drop them half-way.
        self._resyncs: set[asyncio.Task[None]] = set()
        self._fetching: set[str] = set()  # channels ``version`` asked the store for

    def channel(self, name: str) -> ChannelState:
        """The channel as held here. A gate's is made on first use; a per-entity one exists
        only while watched (KeyError otherwise), or nothing would ever forget it."""
        state = self._held(name)
        if state is None:
            raise KeyError(name)
        return state

    def _held(self, name: str) -> ChannelState | None:
        state = self._channels.get(name)
        if state is None and always_on(name):
            state = self._channels[name] = ChannelState(name)
        return state

    def version(self, name: str) -> int | None:
        """The sequence number of the state held for the gate channel ``name`` (the projector's:
        the same in every process, and another one whenever the channel's data changed); None
        while none is held, and the store's snapshot is then fetched once in the background: a
        process that started after the last change has heard no message yet."""
        channel = self._held(name)
        if channel is not None and channel.state is not None:
            return channel.seq
        if name not in self._fetching:
            self._fetching.add(name)
            task = asyncio.get_running_loop().create_task(self.resync(name))
            self._resyncs.add(task)
            task.add_done_callback(self._resyncs.discard)
            task.add_done_callback(lambda _: self._fetching.discard(name))
        return None

    def watched(self) -> list[str]:
        """Channels with at least one viewer in this process, or one on its way in."""
        return [name for name, c in self._channels.items() if not c.idle()]

    def release(self, channel: ChannelState) -> None:
        """Forget a per-entity channel nobody here watches or is joining any more."""
        held = self._channels.get(channel.name) is channel
        if held and channel.idle() and not always_on(channel.name):
            del self._channels[channel.name]

    def known(self) -> list[str]:
        return list(self._channels)

    def deliver(self, raw: bytes) -> None:
        """A message from the projector (directly, or through Redis)."""
        message = _decoder.decode(raw)
        channel = self._held(message.channel)
        if channel is None:
            return  # nobody here watches it (through Redis every process hears every channel)
        if message.seq <= channel.seq:
            return  # already seen (a snapshot fetched after a reconnect, say)
        text = raw.decode()
        if message.kind == "snapshot":
            channel.state = dict(message.data)
        elif channel.state is not None and message.prev == channel.seq:
            channel.state = {**channel.state, **message.data}
        else:
            # A delta that does not follow what we have: our state is not trustworthy any
            # more; fetch the current snapshot instead of guessing.
            self.resync_soon(message.channel)
            return
        channel.seq = message.seq
        channel.snapshot_text = _encoder.encode(
            ChannelMessage(channel.name, channel.seq, "snapshot", channel.state)
        ).decode()
        channel.history.append((message.seq, message.prev, text))
        for viewer in list(channel.viewers):
            viewer.offer(text)
        if channel.sockets and self.broadcast is not None:
            self.broadcast(channel, text)

    def resync_soon(self, name: str) -> None:
        # Not the asking request's (gate/request_ids.py): a resync serves every viewer.
        task = asyncio.get_running_loop().create_task(self.resync(name), context=Context())
        self._resyncs.add(task)
        task.add_done_callback(self._resyncs.discard)

    async def resync(self, name: str) -> None:
        """Take the channel's current snapshot from the store, if newer than ours."""
        raw = await self._fetch(name)
        if raw is None:
            return
        message = _decoder.decode(raw)
        channel = self._held(name)
        if channel is not None and message.seq > channel.seq:
            snapshot = ChannelMessage(name, message.seq, "snapshot", message.data)
            channel.history.clear()
            self.deliver(_encoder.encode(snapshot))

    async def subscribe(self, name: str, since: int | None) -> tuple[Viewer, list[str]]:
        """A new viewer and what it must be sent first: the messages after ``since`` when this
        process still has them all, else the current snapshot."""
        channel = await self._with_state(name)
        viewer = Viewer(self, channel)
        channel.viewers.add(viewer)
        return viewer, self._catch_up(channel, since)

    async def attach(self, name: str, since: int | None, socket: Any) -> list[str]:
        """Add a broadcaster's socket to ``name``; returns what it must be sent first. The
        socket joins and its catch-up is taken with no await in between, so that nothing
        delivered meanwhile is missed or sent twice, provided the caller writes the catch-up
        before it next awaits."""
        channel = await self._with_state(name)
        channel.sockets.add(socket)
        return self._catch_up(channel, since)

    async def _with_state(self, name: str) -> ChannelState:
        """The channel, with the store's snapshot taken first if this process has none yet.
        The channel counts as watched while the snapshot is fetched: a viewer leaving
        meanwhile cannot drop it from under us, and what is delivered meanwhile is kept. The
        caller must add its viewer before it next awaits."""
        channel = self._channels.get(name)
        if channel is None:
            channel = self._channels[name] = ChannelState(name)
        channel.joining += 1
        try:
            if channel.state is None:
                await self.resync(name)
        except BaseException:
            # Cancelled or failed: nobody will join; forget the channel if it was only us.
            channel.joining -= 1
            self.release(channel)
            raise
        channel.joining -= 1
        return channel

    def detach(self, name: str, socket: Any) -> None:
        channel = self._channels.get(name)
        if channel is not None:
            channel.sockets.discard(socket)
            self.release(channel)

    @staticmethod
    def _catch_up(channel: ChannelState, since: int | None) -> list[str]:
        if since is not None and since == channel.seq:
            return []
        if since is not None and since < channel.seq:
            missed = [(seq, prev, text) for seq, prev, text in channel.history if seq > since]
            if missed and missed[0][1] == since:
                return [text for _, _, text in missed]
        return [channel.snapshot_text] if channel.snapshot_text else []

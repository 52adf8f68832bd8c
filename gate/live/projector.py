"""The projector: rebuilds each live channel from the database when something changed (at most
a few times a second per channel, however busy the gate) and publishes what differs, with a
sequence number that only grows. One process projects at a time (a lease in Redis; always
this one in the embedded default); the others only fan out. A process that decides a gate's
check-ins leaves the projecting to one that decides none, when there is one (``busy``)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import msgspec
import redis.asyncio as redis_asyncio
from sqlalchemy import select

from gate.domain.slots import DEFAULT_HORIZON
from gate.domain.time import utc_now
from gate.live.backends import LiveBackend
from gate.live.channels import always_on, board_channel, enterprise_channel, officer_channel
from gate.live.messages import ChannelMessage
from gate.live.projections import (
    GateState,
    enterprise_vehicles,
    gate_state,
    officer_board,
    public_board,
)
from gate.live.wait_chart import WaitCharts
from gate.live.waiting_yards import gates_of_yards
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork

log = logging.getLogger("gate.live")

_decoder = msgspec.json.Decoder(ChannelMessage)
_encoder = msgspec.json.Encoder()
MIN_PAUSE_S = 0.01  # between two rebuilds, however many channels are due
_PUBLISH_ERRORS = (redis_asyncio.RedisError, OSError, asyncio.TimeoutError)


@dataclass
class Published:
    seq: int
    data: dict[str, Any]
    delivered: bool  # False: the last publish failed; the next one must be a snapshot


class Projector:
    def __init__(
        self,
        new_uow: Callable[[], UnitOfWork],
        backend: LiveBackend,
        min_interval: float = 0.5,
        horizon: timedelta = DEFAULT_HORIZON,
        refresh: float = 2.0,
        tick: float = 0.1,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        self._new_uow = new_uow
        self._backend = backend
        # Whether this process now decides some gate's check-ins (Pipelines.holds_any): its
        # rebuilds would then take that gate's CPU (issue 20: about a fifth of it), so it
        # projects only while no idle process offers to (LiveBackend.lead).
        self.busy = busy
        self.leading = False  # as the last tick found it
        self.horizon = horizon  # the booking horizon: boards offer only hours booking takes
        self.min_interval = min_interval  # coalescing: at most 1/min_interval messages/s
        self.refresh = refresh  # rebuilt this often anyway: time moves, events get lost
        self.tick_seconds = tick
        self._dirty: set[str] = set()
        self._built_at: dict[str, float] = {}
        self._last: dict[str, Published] = {}
        self._stopping = asyncio.Event()
        self._woken = asyncio.Event()
        self._gate_codes: list[str] = []
        self._code_of_gate: dict[str, str] = {}  # gate id -> code, as of the last rebuild
        self._gates_of_yard: dict[str, list[str]] = {}  # yard id -> codes of the gates served
        self._wanted: list[str] = []
        self._wanted_at = float("-inf")
        self.wait_charts = WaitCharts()  # the boards' wait charts, read once a minute

    def on_event(self, payload: dict[str, Any]) -> None:
        """A domain event happened somewhere: mark the channels it touches. A gate's boards
        are named by its code (``gate``), its id (``gate_id``), several ids (``gate_ids``) or
        a waiting yard (``yard_id``: every gate the yard serves, since its occupancy is on
        each of their boards). An id this projector has not met yet (a gate or yard made since
        its last rebuild) marks every gate: rare, and cheaper than a lookup here."""
        for gate in self._gates_named(payload):
            self.mark(board_channel(gate))
            self.mark(officer_channel(gate))
        if enterprise := payload.get("enterprise_id"):
            self.mark(enterprise_channel(enterprise))

    def _gates_named(self, payload: dict[str, Any]) -> set[str]:
        codes: set[str] = set()
        if gate := payload.get("gate"):
            codes.add(gate)
        ids = [payload.get("gate_id"), *(payload.get("gate_ids") or ())]
        unknown = False
        for gate_id in filter(None, ids):
            known = self._code_of_gate.get(gate_id)
            codes.update([known] if known else ())
            unknown |= known is None
        if yard_id := payload.get("yard_id"):
            served = self._gates_of_yard.get(yard_id)
            codes.update(served or ())
            unknown |= served is None
        return codes | set(self._gate_codes) if unknown else codes

    def mark(self, channel: str) -> None:
        if channel not in self._dirty:
            # The first change since the last publish wakes the loop, which publishes as
            # soon as the channel's coalescing interval allows instead of at its next tick;
            # further changes before then only join it.
            self._dirty.add(channel)
            self._woken.set()

    def stop(self) -> None:
        """Finish the tick under way (never cancel a query half-way) and stop."""
        self._stopping.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            pause = self.tick_seconds
            try:
                leading = await self._backend.lead(self.busy())
                if leading != self.leading:
                    log.info("live.projector.lead", extra={"leading": leading})
                    self.leading = leading
                if leading:
                    await self.tick()
                    pause = max(self._next_due_in(time.monotonic()), MIN_PAUSE_S)
                else:
                    # Another process projects; if we take over later we start with snapshots.
                    self._last.clear()
            except Exception:
                log.exception("live.projector.tick_failed")
            await self._sleep(pause)

    async def _sleep(self, seconds: float) -> None:
        """Until ``seconds`` have passed, a channel became dirty, or we are stopping."""
        self._woken.clear()
        waits = [asyncio.ensure_future(e.wait()) for e in (self._stopping, self._woken)]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    def _forget_unwatched(self, wanted: set[str]) -> None:
        """Drop what we hold on per-entity channels nobody watches: their dirty marks (every
        enterprise's events mark its channel), build times and last published states. A
        channel watched again is rebuilt at once and starts with a snapshot, its sequence
        continued from the stored snapshot if any, else from the clock (as after a restart)."""
        for held in (self._built_at, self._last):
            for channel in [c for c in held if not always_on(c) and c not in wanted]:
                del held[channel]
        self._dirty = {c for c in self._dirty if always_on(c) or c in wanted}

    def _projected(self) -> list[str]:
        gates = [f(code) for code in self._gate_codes for f in (board_channel, officer_channel)]
        return [*gates, *self._wanted]

    def _next_due_in(self, now: float) -> float:
        """How long until a dirty channel we project may be published again; a tick at most
        (time moves, and a lost event is caught by the periodic rebuild)."""
        soonest = self.tick_seconds
        for channel in self._projected():
            if channel in self._dirty:
                built = self._built_at.get(channel)
                soonest = min(soonest, 0.0 if built is None else built + self.min_interval - now)
        return max(soonest, 0.0)

    def _due(self, channel: str, now: float) -> bool:
        built = self._built_at.get(channel)
        if built is None or now - built >= self.refresh:
            return True
        return channel in self._dirty and now - built >= self.min_interval

    def _anything_due(self, now: float) -> bool:
        if not self._gate_codes:
            return True  # not yet known which gates there are
        return any(self._due(channel, now) for channel in self._projected())

    async def tick(self) -> None:
        """Rebuild what is due. Ticks come ten times a second; most find nothing due and touch
        neither the database nor Redis (viewers' wishes are read at most every min_interval,
        and a new gate is found at the next periodic rebuild)."""
        now = time.monotonic()
        if now - self._wanted_at >= self.min_interval:
            wanted = await self._backend.wanted()
            self._forget_unwatched(set(wanted))
            self._wanted = [c for c in wanted if c.startswith("enterprise:")]
            self._wanted_at = now
        if not self._anything_due(now):
            return
        async with self._new_uow() as uow:
            gates = list(await uow.session.scalars(select(Gate).order_by(Gate.code)))
            self._gate_codes = [g.code for g in gates]
            self._code_of_gate = {g.id: g.code for g in gates}
            self._gates_of_yard = await gates_of_yards(uow.session)
            due_gates = [
                g
                for g in gates
                if self._due(board_channel(g.code), now) or self._due(officer_channel(g.code), now)
            ]
            due_enterprises = [c for c in self._wanted if self._due(c, now)]
            if not due_gates and not due_enterprises:
                return
            # Clean before reading, not after: a change committed while we read marks its
            # channel dirty again, and it is rebuilt at its next turn instead of waiting for
            # the periodic rebuild. A rebuild that fails leaves them dirty.
            cleaned = {
                c for g in due_gates for c in (board_channel(g.code), officer_channel(g.code))
            }
            cleaned.update(due_enterprises)
            cleaned &= self._dirty
            self._dirty -= cleaned
            try:
                await self._rebuild(uow, gates, due_gates, due_enterprises)
            except BaseException:
                self._dirty |= cleaned
                raise

    async def _rebuild(
        self, uow: UnitOfWork, gates: list[Gate], due_gates: list[Gate], due_enterprises: list[str]
    ) -> None:
        moment = utc_now()
        needed = gates if due_enterprises else due_gates
        states: dict[str, GateState] = {
            g.id: await gate_state(uow, g, moment, self.horizon) for g in needed
        }
        for gate in due_gates:
            state = states[gate.id]
            waits = await self.wait_charts.of(uow.session, gate.id, moment)
            board = await public_board(uow, state, moment, waits)
            await self._publish(board_channel(gate.code), board)
            await self._publish(officer_channel(gate.code), await officer_board(uow, state, moment))
        for channel in due_enterprises:
            enterprise_id = channel.split(":", 1)[1]
            view = await enterprise_vehicles(uow, enterprise_id, states, moment)
            await self._publish(channel, view)

    async def _publish(self, channel: str, view: msgspec.Struct) -> None:
        self._built_at[channel] = time.monotonic()
        data: dict[str, Any] = msgspec.to_builtins(view)
        last = self._last.get(channel)
        if last is not None and last.delivered and last.data == data:
            return
        if last is None:
            # A new projector (a restart, a takeover): continue the sequence that viewers hold.
            raw = await self._backend.snapshot(channel)
            previous = _decoder.decode(raw).seq if raw else 0
            last = Published(previous, {}, delivered=False)
        # Milliseconds since the epoch, never less than one more than before: the sequence
        # keeps growing across restarts and takeovers without being stored anywhere.
        seq = max(last.seq + 1, int(time.time() * 1000))
        if last.delivered:
            changed = {key: value for key, value in data.items() if last.data.get(key) != value}
            message = ChannelMessage(channel, seq, "delta", changed, prev=last.seq)
        else:
            message = ChannelMessage(channel, seq, "snapshot", data, prev=last.seq or None)
        snapshot = ChannelMessage(channel, seq, "snapshot", data, prev=last.seq or None)
        try:
            await self._backend.publish(
                channel, _encoder.encode(message), _encoder.encode(snapshot)
            )
        except _PUBLISH_ERRORS:
            log.warning("live.publish_failed", extra={"channel": channel})
            self._last[channel] = Published(last.seq, data, delivered=False)
            self._dirty.add(channel)
            return
        self._last[channel] = Published(seq, data, delivered=True)

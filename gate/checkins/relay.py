"""Forwarding gathered check-in batches to the process that owns their gate's pipeline, and
taking the batches other processes forward: a small framed protocol over TCP (asyncio
streams), one persistent connection per peer, requests multiplexed by id. What travels, and
what each event's answer becomes on either side: gate/checkins/wire.py.

A forwarder waits for an answer at most ``answer_s`` seconds (GATE_PIPELINE_ANSWER_S): a
holder that accepts batches and never answers (hung, or its loop stuck) is then treated as
unreachable and the gate taken over (a late answer finds no one waiting and is dropped); the
fencing epoch keeps a holder that is only slow from deciding beside its successor, and an
event it did decide answers the device's retry from its stored answer."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence

import msgspec

from gate.checkins.manual import ByHand, ByHandReply
from gate.checkins.reads import DeviceEvent
from gate.checkins.wire import (
    Decided,
    Decision,
    Event,
    Forwarded,
    NotOwner,
    Outcome,
    RelayedUnavailable,
    decision_of,
    frame,
    outcome_of,
    read_frame,
)
from gate.store.faults import Unavailable

log = logging.getLogger("gate.checkins")

CONNECT_TIMEOUT_S = 2.0
# A holder's answer to a forwarded batch: a batch takes milliseconds, seconds when the database
# is struggling; one that never answers (stuck, or stopped mid-answer) is treated as unreachable.
ANSWER_S = 15.0


class PeerUnreachable(ConnectionError):
    """The owner could not be reached, or the connection to it broke before it answered."""


Decide = Callable[[str, Sequence[tuple[str, DeviceEvent]]], Awaitable[list[Decision]]]
DecideByHand = Callable[[str, ByHand], Awaitable[ByHandReply | BaseException]]
_reply_encoder = msgspec.msgpack.Encoder()
_reply_decoder = msgspec.msgpack.Decoder(ByHandReply)


class RelayServer:
    """Takes batches forwarded by other processes and has ``decide`` act on them (the
    batcher: in the gate's own loop, with its lease checked)."""

    def __init__(self, decide: Decide, decide_by_hand: DecideByHand) -> None:
        self._decide = decide
        self._decide_by_hand = decide_by_hand
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._decoder = msgspec.msgpack.Decoder(Forwarded)
        self._encoder = msgspec.msgpack.Encoder()

    async def start(self, host: str) -> str:
        """Listen on ``host`` at a free port; the address taken (``host:port``)."""
        self._server = await asyncio.start_server(self._serve, host, 0)
        bound = self._server.sockets[0].getsockname()
        return f"{bound[0]}:{bound[1]}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        answering: set[asyncio.Task[None]] = set()
        try:
            while True:
                request = self._decoder.decode(await read_frame(reader))
                each = asyncio.create_task(self._answer(request, writer))
                answering.add(each)
                each.add_done_callback(answering.discard)
        except (asyncio.IncompleteReadError, ConnectionError, msgspec.DecodeError):
            pass  # the peer went away, or spoke nonsense: its requests go with it
        except asyncio.CancelledError:
            # ``stop``: the handler ends here. Raised on, Python 3.11's stream server logged
            # it as an error at every shutdown of a process with peers.
            pass
        finally:
            for each in answering:
                each.cancel()
            writer.close()
            self._tasks.discard(task)

    async def _answer(self, request: Forwarded, writer: asyncio.StreamWriter) -> None:
        if request.by_hand is not None:
            done = await self._decide_by_hand(request.gate_id, request.by_hand)
            if isinstance(done, ByHandReply):
                outcomes = [Outcome("answer", _reply_encoder.encode(done))]
            else:
                outcomes = [outcome_of(done)]
            reply = Decided(request.id, outcomes)
        else:
            events = [(event.device_id, event.device_event()) for event in request.events]
            decisions = await self._decide(request.gate_id, events)
            reply = Decided(request.id, [outcome_of(d) for d in decisions])
        writer.write(frame(self._encoder.encode(reply)))
        with contextlib.suppress(ConnectionError):
            await writer.drain()


class _Connection:
    """One persistent connection to a peer; requests in flight wait for their ``id``."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, answer_s: float
    ) -> None:
        self._writer = writer
        self._answer_s = answer_s
        self._waiting: dict[int, asyncio.Future[list[Outcome]]] = {}
        self._ids = itertools.count(1)
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(Decided)
        self.closed = False
        self._reading = asyncio.create_task(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                reply = self._decoder.decode(await read_frame(reader))
                waiting = self._waiting.pop(reply.id, None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(reply.outcomes)
        except (asyncio.IncompleteReadError, ConnectionError, msgspec.DecodeError) as error:
            self._fail(PeerUnreachable(f"the owner's connection broke: {error!r}"))
        except asyncio.CancelledError:
            self._fail(PeerUnreachable("the connection was closed"))
            raise

    def _fail(self, error: PeerUnreachable) -> None:
        self.closed = True
        self._writer.close()
        waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            if not future.done():
                future.set_exception(error)

    async def ask(
        self, gate_id: str, events: list[Event], by_hand: ByHand | None = None
    ) -> list[Outcome]:
        """The peer's outcomes for ``events`` (or ``by_hand``). PeerUnreachable if the
        connection breaks, or no answer comes within ``answer_s`` seconds."""
        if self.closed:
            raise PeerUnreachable("the connection was closed")
        request_id = next(self._ids)
        answer: asyncio.Future[list[Outcome]] = asyncio.get_running_loop().create_future()
        self._waiting[request_id] = answer
        forwarded = Forwarded(request_id, gate_id, events, by_hand)
        try:
            self._writer.write(frame(self._encoder.encode(forwarded)))
            await asyncio.wait_for(self._writer.drain(), self._answer_s)
        except (ConnectionError, TimeoutError) as error:
            self._fail(PeerUnreachable(repr(error)))
        try:
            return await asyncio.wait_for(answer, self._answer_s)
        except TimeoutError:
            # A late answer finds no one waiting and is dropped: the events are decided again
            # by whoever takes the gate over, and a read already decided replays its answer.
            self._waiting.pop(request_id, None)
            raise PeerUnreachable(f"no answer within {self._answer_s} s") from None

    async def close(self) -> None:
        self._reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reading


class Peers:
    """The connections this process keeps to the owners it forwards to, one per address;
    ``answer_s``: how long an owner may take to answer a batch (seconds)."""

    def __init__(self, answer_s: float = ANSWER_S) -> None:
        self._answer_s = answer_s
        self._connections: dict[str, _Connection] = {}
        self._opening: dict[str, asyncio.Lock] = {}

    async def forward(
        self, address: str, gate_id: str, events: Sequence[tuple[str, DeviceEvent]]
    ) -> list[Decision]:
        """Have the owner at ``address`` decide ``events`` (device id, event) of ``gate_id``;
        each event's decision, in order. PeerUnreachable if it cannot be asked or does not
        answer (its connection broke, or no answer came within ``answer_s``)."""
        connection = await self._connection(address)
        outcomes = await connection.ask(gate_id, [Event.of(d, e) for d, e in events])
        if len(outcomes) != len(events):
            raise PeerUnreachable("the owner answered another number of events")
        return [decision_of(o, e) for o, (_, e) in zip(outcomes, events, strict=True)]

    async def forward_by_hand(
        self, address: str, gate_id: str, by_hand: ByHand
    ) -> ByHandReply | BaseException:
        """Have the owner at ``address`` decide an officer's check-in by hand: its reply, or
        why it was not decided there (NotOwner, RelayedUnavailable, RuntimeError).
        PeerUnreachable as ``forward``."""
        connection = await self._connection(address)
        outcomes = await connection.ask(gate_id, [], by_hand)
        if len(outcomes) != 1:
            raise PeerUnreachable("the owner answered another number of outcomes")
        (outcome,) = outcomes
        if outcome.kind == "answer":
            try:
                return _reply_decoder.decode(outcome.body)
            except msgspec.DecodeError as error:
                raise PeerUnreachable(f"the owner's reply was not understood: {error}") from None
        if outcome.kind == "not-owner":
            return NotOwner()
        if outcome.kind == "unavailable":
            return RelayedUnavailable(Unavailable(outcome.detail))
        return RuntimeError(f"the gate's pipeline failed to check the truck in: {outcome.detail}")

    async def _connection(self, address: str) -> _Connection:
        known = self._connections.get(address)
        if known is not None and not known.closed:
            return known
        async with self._opening.setdefault(address, asyncio.Lock()):
            known = self._connections.get(address)
            if known is not None and not known.closed:
                return known
            host, _, port = address.rpartition(":")
            if not host or not port.isdigit():
                raise PeerUnreachable(f"no address to forward to: {address!r}")
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(host, int(port)), CONNECT_TIMEOUT_S
                )
            except (OSError, TimeoutError) as error:
                raise PeerUnreachable(f"{address}: {error!r}") from error
            opened = self._connections[address] = _Connection(reader, writer, self._answer_s)
            return opened

    async def close(self) -> None:
        connections, self._connections = list(self._connections.values()), {}
        for connection in connections:
            await connection.close()

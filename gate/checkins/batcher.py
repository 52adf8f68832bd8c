"""Group commit for check-ins: the device events that arrive within a few milliseconds are
acted on in one transaction, set-oriented (a handful of statements for the whole batch), and
every device is answered only after that transaction committed. One commit (one fsync, one
turn of a slot's or an audit chain's row lock) then serves many check-ins, which is what lets
a busy gate's cameras go faster than one transaction per truck allows.

One pipeline per gate across processes (gate/checkins/pipelines.py): the process that holds
the gate's lease decides its batches, each transaction checking the lease in its first
statement; another process forwards its gathered batch to that one (gate/checkins/relay.py)
and relays the answers, byte for byte as the owner stored them.

Each event's result is its own: an event whose event_id its device used before for another
event (``EventIdReused``, see ``gate.devices.fingerprint``) is handed back to its request
as that refusal, while the rest of the batch is acted on and committed as usual."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from contextvars import Context
from dataclasses import dataclass
from datetime import timedelta

from gate.checkins.leases import Lease, Seen, held_devices
from gate.checkins.pipelines import Pipelines
from gate.checkins.relay import (
    ANSWER_S,
    Decision,
    NotOwner,
    Peers,
    PeerUnreachable,
    RelayServer,
)
from gate.checkins.service import DeviceEvent, Result, check_in_many
from gate.domain.errors import EventIdReused
from gate.gates.memory import GateMemory
from gate.store.database import is_outage
from gate.store.unit_of_work import UnitOfWork

log = logging.getLogger("gate.checkins")


# How many times a batch is routed again (a lease lost, an owner gone) before its devices are
# answered 503 and retry; each time one process takes or keeps the lease, so two suffice
# unless leases change hands faster than batches are decided.
MAX_ROUTES = 5


# How long a stop waits for the batches queued and in flight before abandoning them.
STOP_S = 5.0


class PipelineStopped(ConnectionError):
    """This process stopped before the event was decided (it may have been committed): the
    device's request is answered 503 and the device sends it again, to any process."""


def _abandon(batch: Sequence[_Pending]) -> None:
    """Answer the events a stopping process leaves undecided: its own devices' with
    PipelineStopped, the forwarded ones with NotOwner (their sender takes the gate over)."""
    for pending in batch:
        if not pending.answer.done():
            error = NotOwner() if pending.forwarded else PipelineStopped("the process stopped")
            pending.answer.set_exception(error)


class LeaseLost(Exception):
    """The batch's transaction found the gate's lease taken over: nothing was decided."""


@dataclass
class _Pending:
    gate_id: str
    device_id: str
    event: DeviceEvent
    answer: asyncio.Future[Result]
    forwarded: bool = False  # sent by another process: decided here, or refused (NotOwner)


class CheckinBatcher:
    """One batch loop per gate. A gate's check-ins queue on its audit chain (and a walk-in
    hour's row) anyway, so two batches of one gate in flight would only wait for each other
    and each be smaller; while one batch is acted on, the next gathers. Gates run side by
    side. Across processes, the gate's lease holder's loop decides and the others forward
    to it (``pipelines``: this process's leases; by default its own, taking forwarded
    batches nowhere until ``start`` is given a host)."""

    def __init__(
        self,
        new_uow: Callable[[], UnitOfWork],
        max_batch: int = 200,
        max_wait: float = 0.002,
        *,
        retention: timedelta,
        answer_s: float = ANSWER_S,
        gates: GateMemory | None = None,
        pipelines: Pipelines | None = None,
    ) -> None:
        """``retention``: how long a device event_id is remembered (see gate/config.py);
        ``gates``: the process's remembered gate rows (else each batch reads its gate's);
        ``answer_s``: how long a holder may take to answer a forwarded batch (seconds) before
        it is taken for unreachable."""
        self._new_uow = new_uow
        self._gates = gates or GateMemory(ttl_s=0)
        self.pipelines = pipelines or Pipelines(new_uow)
        self.retention = retention
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queues: dict[str, asyncio.Queue[_Pending | None]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._peers = Peers(answer_s)
        self._relay = RelayServer(self.decide_forwarded)
        self._running = False
        self.stop_s = STOP_S

    async def start(self, host: str | None = None) -> None:
        """Start taking check-ins; with ``host``, also batches forwarded by other processes,
        on a free port of ``host`` (written into the leases this process takes)."""
        if host is not None:
            self.pipelines.address = await self._relay.start(host)
        self._running = True

    async def stop(self) -> None:
        """Stop taking check-ins, let each loop act on what is queued (within ``stop_s``
        seconds; what is left then is answered 503, PipelineStopped), and give the gates'
        leases back: other processes take them over at their next batch. Batches forwarded
        here from now on are refused (NotOwner), so their senders take the gate over."""
        self._running = False
        await self._relay.stop()
        for queue in self._queues.values():
            queue.put_nowait(None)  # after what is queued: the loops finish their batches
        tasks, self._tasks = list(self._tasks.values()), {}
        if tasks:
            await asyncio.wait(tasks, timeout=self.stop_s)
        for task in tasks:
            task.cancel()  # still acting after stop_s: abandoned (answered 503)
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for queue in self._queues.values():
            _abandon([p for p in (queue.get_nowait() for _ in range(queue.qsize())) if p])
        await self.pipelines.release_all()
        await self._peers.close()

    def drain(self, within: float) -> None:
        """The server is shutting down: what is queued ``within`` seconds from now, and what
        comes after, is answered undecided (PipelineStopped: 503, the device sends it again
        to another process), before the server's own bound cancels the requests that wait
        for it; a batch in its transaction by then is committed and answered, or not at all."""
        if within > 0:
            asyncio.get_running_loop().call_later(within, self._give_up)
        else:
            self._give_up()

    def _give_up(self) -> None:
        self._running = False
        for queue in self._queues.values():
            taken = [queue.get_nowait() for _ in range(queue.qsize())]
            _abandon([p for p in taken if p is not None])
            if None in taken:
                queue.put_nowait(None)  # a stop mark already given stays for its loop

    async def submit(self, gate_id: str, device_id: str, event: DeviceEvent) -> Result:
        """The encoded answer and whether it was a replay, once committed; EventIdReused;
        PipelineStopped when this process no longer takes check-ins (it is stopping)."""
        if not self._running:
            raise PipelineStopped("the process is stopping")
        answer = self._enqueue(gate_id, device_id, event, forwarded=False)
        return await answer

    async def decide_forwarded(
        self, gate_id: str, events: Sequence[tuple[str, DeviceEvent]]
    ) -> list[Decision]:
        """A batch another process forwarded (device id, event): each event's decision, made
        in this process's loop of the gate; NotOwner for those it could not decide as the
        gate's lease holder."""
        if not self._running:
            return [NotOwner() for _ in events]
        answers = [self._enqueue(gate_id, d, e, forwarded=True) for d, e in events]
        decided = await asyncio.gather(*answers, return_exceptions=True)
        return list(decided)

    def _enqueue(
        self, gate_id: str, device_id: str, event: DeviceEvent, *, forwarded: bool
    ) -> asyncio.Future[Result]:
        answer: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        queue = self._queues.get(gate_id)
        if queue is None or gate_id not in self._tasks:
            queue = self._queues[gate_id] = asyncio.Queue()
            # In a context of its own: the loop serves every request after this one, and must
            # not carry this request's id (gate/request_ids.py) into their log lines.
            self._tasks[gate_id] = asyncio.create_task(self._run(queue), context=Context())
        queue.put_nowait(_Pending(gate_id, device_id, event, answer, forwarded))
        return answer

    async def _run(self, queue: asyncio.Queue[_Pending | None]) -> None:
        """The gate's loop: gather a batch, act on it, again; until the stop mark (None),
        which comes after every event queued before the stop."""
        while True:
            batch, stopping = await self._gather(queue)
            if batch:
                try:
                    await self._act(batch)
                except asyncio.CancelledError:
                    _abandon(batch)
                    raise
            if stopping:
                return

    async def _gather(self, queue: asyncio.Queue[_Pending | None]) -> tuple[list[_Pending], bool]:
        """The next batch, and whether the stop mark came with it (nothing is gathered after
        it). What queued while the last batch was acted on goes at once; a lone event waits
        max_wait for company."""
        loop = asyncio.get_running_loop()
        items = [await queue.get()]

        def take_queued() -> None:
            while len(items) < self.max_batch and items[-1] is not None and not queue.empty():
                items.append(queue.get_nowait())

        take_queued()
        deadline = loop.time() + self.max_wait
        while len(items) == 1 and items[0] is not None:
            timeout = deadline - loop.time()
            if timeout <= 0:
                break
            try:
                items.append(await asyncio.wait_for(queue.get(), timeout))
            except TimeoutError:
                break
            take_queued()
        batch = [item for item in items if item is not None]
        return batch, len(batch) < len(items)

    async def _act(self, batch: list[_Pending]) -> None:
        """Route the batch until every event is decided: here under this process's lease,
        or by the lease holder it is forwarded to; answer each event's request."""
        gate_id = batch[0].gate_id
        undecided = batch
        for _ in range(MAX_ROUTES):
            try:
                route = await self.pipelines.route(gate_id)
            except Exception as error:
                self._answer(undecided, [error] * len(undecided))
                return
            if isinstance(route, Lease):
                decided = await self._decide_here(route, undecided)
                self._answer(undecided, decided)
                if all(d is not None for d in decided):
                    return
                self.pipelines.lost(route)
                undecided = [p for p, d in zip(undecided, decided, strict=True) if d is None]
                continue
            # Another process holds the gate: what was forwarded here goes back (its sender
            # takes the gate over); our own events go to the holder.
            self._answer(undecided, [NotOwner() if p.forwarded else None for p in undecided])
            undecided = [p for p in undecided if not p.forwarded]
            if not undecided:
                return
            try:
                forwarded = await self._peers.forward(
                    route.address, gate_id, [(p.device_id, p.event) for p in undecided]
                )
            except PeerUnreachable:
                log.warning("checkins.owner_unreachable", extra={"gate": gate_id}, exc_info=True)
                await self._take_over(gate_id, route)
                continue
            refused = [isinstance(d, NotOwner) for d in forwarded]
            self._answer(
                undecided, [None if r else d for r, d in zip(refused, forwarded, strict=True)]
            )
            undecided = [p for p, r in zip(undecided, refused, strict=True) if r]
            if not undecided:
                return
            await self._take_over(gate_id, route)
        self._answer(
            undecided,
            [ConnectionError("the gate's check-in pipeline moved too often")] * len(undecided),
        )

    async def _take_over(self, gate_id: str, after: Seen) -> None:
        """Replace a holder that cannot be reached or refuses the gate's batches (logged if
        this fails too: the next route reads the lease again)."""
        try:
            await self.pipelines.take_over(gate_id, after)
        except Exception:
            log.warning("checkins.take_over_failed", extra={"gate": gate_id}, exc_info=True)

    @staticmethod
    def _answer(batch: Sequence[_Pending], decided: Sequence[Decision | None]) -> None:
        """Hand each event's decision to its request (None: not decided yet)."""
        for pending, decision in zip(batch, decided, strict=True):
            if decision is None or pending.answer.done():
                continue
            if isinstance(decision, tuple | EventIdReused):
                pending.answer.set_result(decision)
            else:
                pending.answer.set_exception(decision)

    async def _decide_here(self, lease: Lease, batch: list[_Pending]) -> list[Decision | None]:
        """Each event's decision under ``lease``; None for the events not decided because
        the lease was found taken over (the others were committed)."""
        try:
            return list(await self._in_one_transaction(lease, batch))
        except LeaseLost:
            return [None] * len(batch)
        except Exception as error:
            if len(batch) > 1 and not is_outage(error):
                # One bad event must not cost the others their check-in: each goes again in
                # a transaction of its own.
                log.warning("checkins.batch_failed", extra={"events": len(batch)}, exc_info=True)
                decided: list[Decision | None] = []
                for pending in batch:
                    decided += await self._decide_here(lease, [pending])
                    if decided[-1] is None:
                        return decided + [None] * (len(batch) - len(decided))
                return decided
            # Nothing was committed: nobody's check-in is acknowledged; the device retries.
            log.warning("checkins.event_failed", extra={"events": len(batch)}, exc_info=True)
            return [error] * len(batch)

    async def _in_one_transaction(self, lease: Lease, batch: list[_Pending]) -> list[Result]:
        """Every event of the batch (all of one gate: each gate has its own loop) acted on and
        committed; the answers in the batch's order. LeaseLost, with nothing done, if the
        gate's lease was taken over: checked, and share-locked against a takeover until the
        commit, by the transaction's first statement."""
        async with self._new_uow() as uow:
            named = {pending.device_id for pending in batch}
            devices = {d.id: d for d in await uow.session.scalars(held_devices(lease, named))}
            if not devices:
                raise LeaseLost(lease.gate_id)
            gate = await self._gates.by_id(uow, lease.gate_id)
            reads = [(devices[pending.device_id], pending.event) for pending in batch]
            answers = await check_in_many(uow, gate, reads, retention=self.retention)
            await uow.commit()
        return answers

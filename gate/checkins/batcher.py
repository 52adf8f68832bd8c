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
as that refusal, while the rest of the batch is acted on and committed as usual.

Everything that decides a gate's check-ins goes through its loop, so two never run side by
side: the cameras' and kiosks' reads (``submit``), a device's backlog after an outage
(``submit_backlog``: its events join the gate's batches in the order given, a share of each
batch, so live reads wait at most one batch behind a long backlog) and an officer's check-in
by hand (``submit_by_hand``: a transaction of its own between two batches, decided by the
``by_hand`` the process was given)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from contextvars import Context
from dataclasses import dataclass
from datetime import timedelta

from gate.checkins.leases import Lease, Seen, fence, held_devices
from gate.checkins.manual import ByHand, ByHandReply
from gate.checkins.pipelines import Pipelines
from gate.checkins.relay import ANSWER_S, Decision, NotOwner, Peers, PeerUnreachable, RelayServer
from gate.checkins.service import DeviceEvent, Result, check_in_many
from gate.domain.errors import EventIdReused
from gate.gates.memory import GateMemory
from gate.request_ids import bound
from gate.store.database import is_outage
from gate.store.tables import Gate
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


# How an officer's check-in by hand is decided in the holder's transaction (its idempotency
# and answers are the web layer's: services/checkins/by_hand.py); None: this process takes none.
DecideByHand = Callable[[UnitOfWork, Gate, ByHand], Awaitable[ByHandReply]]


def _abandon_job(job: _Job) -> None:
    """As ``_abandon``, for a check-in by hand."""
    if not job.answer.done():
        error = NotOwner() if job.forwarded else PipelineStopped("the process stopped")
        job.answer.set_exception(error)


def _settle(job: _Job, reply: ByHandReply | BaseException) -> None:
    if job.answer.done():
        return
    if isinstance(reply, BaseException):
        job.answer.set_exception(reply)
    else:
        job.answer.set_result(reply)


class LeaseLost(Exception):
    """The batch's transaction found the gate's lease taken over: nothing was decided."""


@dataclass
class _Pending:
    gate_id: str
    device_id: str
    event: DeviceEvent
    answer: asyncio.Future[Result]
    forwarded: bool = False  # sent by another process: decided here, or refused (NotOwner)


@dataclass
class _Job:
    """An officer's check-in by hand waiting for the gate's loop."""

    gate_id: str
    by_hand: ByHand
    answer: asyncio.Future[ByHandReply]
    forwarded: bool = False


class _Wake:
    """Put in a gate's queue when a backlog or a job is added: the loop looks at them."""


_WAKE = _Wake()


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
        by_hand: DecideByHand | None = None,
    ) -> None:
        """``retention``: how long a device event_id is remembered (see gate/config.py);
        ``gates``: the process's remembered gate rows (else each batch reads its gate's);
        ``by_hand``: how officers' check-ins by hand are decided (None: refused);
        ``answer_s``: how long a holder may take to answer a forwarded batch (seconds) before
        it is taken for unreachable."""
        self._new_uow = new_uow
        self._gates = gates or GateMemory(ttl_s=0)
        self.pipelines = pipelines or Pipelines(new_uow)
        self.retention = retention
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queues: dict[str, asyncio.Queue[_Pending | _Wake | None]] = {}
        self._backlogs: dict[str, deque[_Pending]] = {}
        self._jobs: dict[str, deque[_Job]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._by_hand = by_hand
        self._peers = Peers(answer_s)
        self._relay = RelayServer(self.decide_forwarded, self.decide_by_hand_forwarded)
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
            left = (queue.get_nowait() for _ in range(queue.qsize()))
            _abandon([p for p in left if isinstance(p, _Pending)])
        for backlog in self._backlogs.values():
            _abandon(list(backlog))
            backlog.clear()
        for jobs in self._jobs.values():
            for job in jobs:
                _abandon_job(job)
            jobs.clear()
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
            _abandon([p for p in taken if isinstance(p, _Pending)])
            if None in taken:
                queue.put_nowait(None)  # a stop mark already given stays for its loop
        # The backlogs and the check-ins by hand waiting: undecided too (503, sent again).
        for backlog in self._backlogs.values():
            _abandon(list(backlog))
            backlog.clear()
        for jobs in self._jobs.values():
            for job in jobs:
                _abandon_job(job)
            jobs.clear()

    async def submit(self, gate_id: str, device_id: str, event: DeviceEvent) -> Result:
        """The encoded answer and whether it was a replay, once committed; EventIdReused;
        PipelineStopped when this process no longer takes check-ins (it is stopping)."""
        if not self._running:
            raise PipelineStopped("the process is stopping")
        answer = self._enqueue(gate_id, device_id, event, forwarded=False)
        return await answer

    async def submit_backlog(
        self, gate_id: str, device_id: str, events: Sequence[DeviceEvent]
    ) -> list[Result]:
        """A device's backlog (events in the order to decide them, e.g. observed): each
        event's result, once all are decided. The events join the gate's batches in that
        order beside the live reads (see the module). Raises the first error that kept an
        event from being decided (those decided stay committed: the device's retry gets
        their stored answers)."""
        if not self._running:
            raise RuntimeError("the check-in batcher is not running")
        self._ensure(gate_id)
        loop = asyncio.get_running_loop()
        pending = [_Pending(gate_id, device_id, e, loop.create_future()) for e in events]
        self._backlogs[gate_id].extend(pending)
        self._queues[gate_id].put_nowait(_WAKE)
        decided = await asyncio.gather(*(p.answer for p in pending), return_exceptions=True)
        results: list[Result] = []
        for result in decided:
            # A reused event_id is a result (its problem goes in the event's place in the
            # answers), though an exception's class; any other exception kept it undecided.
            if isinstance(result, BaseException) and not isinstance(result, EventIdReused):
                raise result
            results.append(result)
        return results

    async def submit_by_hand(self, gate_id: str, by_hand: ByHand) -> ByHandReply:
        """An officer's check-in by hand, decided in the gate's loop between two batches,
        here or by the gate's lease holder; its reply once committed."""
        if not self._running:
            raise RuntimeError("the check-in batcher is not running")
        return await self._enqueue_job(gate_id, by_hand, forwarded=False)

    async def decide_by_hand_forwarded(
        self, gate_id: str, by_hand: ByHand
    ) -> ByHandReply | BaseException:
        """A check-in by hand another process forwarded: its reply, or why it was not
        decided here (NotOwner: this process does not hold the gate's lease)."""
        if not self._running:
            return NotOwner()
        try:
            return await self._enqueue_job(gate_id, by_hand, forwarded=True)
        except Exception as error:
            return error

    def _enqueue_job(
        self, gate_id: str, by_hand: ByHand, *, forwarded: bool
    ) -> asyncio.Future[ByHandReply]:
        self._ensure(gate_id)
        answer: asyncio.Future[ByHandReply] = asyncio.get_running_loop().create_future()
        self._jobs[gate_id].append(_Job(gate_id, by_hand, answer, forwarded))
        self._queues[gate_id].put_nowait(_WAKE)
        return answer

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
        self._ensure(gate_id)
        answer: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queues[gate_id].put_nowait(_Pending(gate_id, device_id, event, answer, forwarded))
        return answer

    def _ensure(self, gate_id: str) -> None:
        """The gate's queues and loop, started if not running."""
        if gate_id in self._queues and gate_id in self._tasks:
            return
        self._queues[gate_id] = asyncio.Queue()
        self._backlogs.setdefault(gate_id, deque())
        self._jobs.setdefault(gate_id, deque())
        # In a context of its own: the loop serves every request after this one, and must not
        # carry this request's id (gate/request_ids.py) into their log lines.
        self._tasks[gate_id] = asyncio.create_task(self._run(gate_id), context=Context())

    async def _run(self, gate_id: str) -> None:
        """The gate's loop: gather a batch, act on it, decide the check-ins by hand waiting,
        again; until the stop mark (None), which comes after every event queued before the
        stop (the backlogs and check-ins by hand waiting then are acted on too)."""
        queue, backlog = self._queues[gate_id], self._backlogs[gate_id]
        while True:
            batch, stopping = await self._gather(queue, backlog)
            await self._act_guarded(batch)
            await self._act_jobs(gate_id)
            if stopping:
                while backlog:
                    room = min(len(backlog), self.max_batch)
                    await self._act_guarded([backlog.popleft() for _ in range(room)])
                return

    async def _act_guarded(self, batch: list[_Pending]) -> None:
        if not batch:
            return
        try:
            await self._act(batch)
        except asyncio.CancelledError:
            _abandon(batch)
            raise

    async def _gather(
        self, queue: asyncio.Queue[_Pending | _Wake | None], backlog: deque[_Pending]
    ) -> tuple[list[_Pending], bool]:
        """The next batch, and whether the stop mark came with it (nothing is gathered after
        it). What queued while the last batch was acted on goes at once; a lone event waits
        max_wait for company. A backlog waiting takes up to a quarter of the batch, first
        (its events were observed before), and whatever room the live reads leave."""
        loop = asyncio.get_running_loop()
        # A backlog left over is the next batch's whether or not anything else came.
        items = [] if backlog else [await queue.get()]
        live = self.max_batch - min(len(backlog), self.max_batch // 4)

        def take_queued() -> None:
            while len(items) < live and None not in items[-1:] and not queue.empty():
                items.append(queue.get_nowait())

        take_queued()
        deadline = loop.time() + self.max_wait
        while len(items) == 1 and isinstance(items[0], _Pending) and not backlog:
            timeout = deadline - loop.time()
            if timeout <= 0:
                break
            try:
                items.append(await asyncio.wait_for(queue.get(), timeout))
            except TimeoutError:
                break
            take_queued()
        reads = [item for item in items if isinstance(item, _Pending)]
        room = min(len(backlog), self.max_batch - len(reads))
        batch = [backlog.popleft() for _ in range(room)] + reads
        return batch, None in items

    async def _act_jobs(self, gate_id: str) -> None:
        """Decide the check-ins by hand waiting, one transaction each."""
        jobs = self._jobs[gate_id]
        while jobs:
            job = jobs.popleft()
            try:
                await self._act_job(job)
            except asyncio.CancelledError:
                _abandon_job(job)
                raise

    async def _act_job(self, job: _Job) -> None:
        """Route an officer's check-in by hand as a batch is routed (see ``_act``)."""
        gate_id = job.gate_id
        for _ in range(MAX_ROUTES):
            try:
                route = await self.pipelines.route(gate_id)
            except Exception as error:
                _settle(job, error)
                return
            if isinstance(route, Lease):
                try:
                    _settle(job, await self._job_here(route, job.by_hand))
                except LeaseLost:
                    self.pipelines.lost(route)
                    continue
                except Exception as error:
                    _settle(job, error)
                return
            if job.forwarded:
                _settle(job, NotOwner())  # its sender takes the gate over
                return
            try:
                reply = await self._peers.forward_by_hand(route.address, gate_id, job.by_hand)
            except PeerUnreachable:
                log.warning("checkins.owner_unreachable", extra={"gate": gate_id}, exc_info=True)
                await self._take_over(gate_id, route)
                continue
            if not isinstance(reply, NotOwner):
                _settle(job, reply)
                return
            await self._take_over(gate_id, route)
        _settle(job, ConnectionError("the gate's check-in pipeline moved too often"))

    async def _job_here(self, lease: Lease, by_hand: ByHand) -> ByHandReply:
        """Decide a check-in by hand under ``lease`` and commit; LeaseLost, with nothing
        done, if the lease was taken over (checked and share-locked by the first statement)."""
        if self._by_hand is None:
            raise RuntimeError("this process takes no check-ins by hand")
        # Decided, logged and audited as the officer's request, not as the gate's loop.
        asked = (
            contextlib.nullcontext() if by_hand.request_id is None else bound(by_hand.request_id)
        )
        with asked:
            async with self._new_uow() as uow:
                if await uow.session.scalar(fence(lease)) is None:
                    raise LeaseLost(lease.gate_id)
                gate = await self._gates.by_id(uow, lease.gate_id)
                reply = await self._by_hand(uow, gate, by_hand)
                await uow.commit()
        return reply

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

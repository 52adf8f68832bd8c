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
``by_hand`` the process was given).

What waits in the loop and how it is answered: gate/checkins/waiting.py; where a batch is
decided (here under the gate's lease, or by its holder): gate/checkins/routing.py."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Sequence
from contextvars import Context
from datetime import timedelta

from gate.checkins.manual import ByHand, ByHandReply
from gate.checkins.pipelines import Pipelines
from gate.checkins.relay import ANSWER_S, Peers, RelayServer
from gate.checkins.routing import BatchRouter, DecideByHand
from gate.checkins.service import DeviceEvent, Result
from gate.checkins.waiting import (
    WAKE,
    Job,
    Pending,
    PipelineStopped,
    Wake,
    abandon,
    abandon_job,
    gather,
)
from gate.checkins.wire import Decision, NotOwner
from gate.domain.errors import EventIdReused
from gate.gates.memory import GateMemory
from gate.store.unit_of_work import UnitOfWork

# How long a stop waits for the batches queued and in flight before abandoning them.
STOP_S = 5.0


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
        self.pipelines = pipelines or Pipelines(new_uow)
        self._peers = Peers(answer_s)
        # Where each batch and check-in by hand is decided (here, or by the gate's holder).
        self.router = BatchRouter(
            new_uow,
            pipelines=self.pipelines,
            peers=self._peers,
            gates=gates or GateMemory(ttl_s=0),
            retention=retention,
            by_hand=by_hand,
        )
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queues: dict[str, asyncio.Queue[Pending | Wake | None]] = {}
        self._backlogs: dict[str, deque[Pending]] = {}
        self._jobs: dict[str, deque[Job]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
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
            abandon([p for p in left if isinstance(p, Pending)])
        self._abandon_waiting()
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
            abandon([p for p in taken if isinstance(p, Pending)])
            if None in taken:
                queue.put_nowait(None)  # a stop mark already given stays for its loop
        # The backlogs and the check-ins by hand waiting: undecided too (503, sent again).
        self._abandon_waiting()

    def _abandon_waiting(self) -> None:
        """Answer the backlogs and the check-ins by hand waiting as undecided."""
        for backlog in self._backlogs.values():
            abandon(list(backlog))
            backlog.clear()
        for jobs in self._jobs.values():
            for job in jobs:
                abandon_job(job)
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
        event's result (EventIdReused for a reused event_id), once all are decided. The
        events join the gate's batches in that order beside the live reads (see the module).
        Raises the first error that kept an event from being decided (those decided stay
        committed: the device's retry gets their stored answers)."""
        if not self._running:
            raise RuntimeError("the check-in batcher is not running")
        self._ensure(gate_id)
        loop = asyncio.get_running_loop()
        pending = [Pending(gate_id, device_id, e, loop.create_future()) for e in events]
        self._backlogs[gate_id].extend(pending)
        self._queues[gate_id].put_nowait(WAKE)
        decided = await asyncio.gather(*(p.answer for p in pending), return_exceptions=True)
        # A reused event_id is that event's result (answered per event), not an error: it is an
        # exception class, handed over as a result (gate/checkins/waiting.py::answer).
        for result in decided:
            if isinstance(result, BaseException) and not isinstance(result, EventIdReused):
                raise result
        return [r for r in decided if isinstance(r, tuple | EventIdReused)]

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
        self._jobs[gate_id].append(Job(gate_id, by_hand, answer, forwarded))
        self._queues[gate_id].put_nowait(WAKE)
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
        self._queues[gate_id].put_nowait(Pending(gate_id, device_id, event, answer, forwarded))
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
            batch, stopping = await gather(
                queue, backlog, max_batch=self.max_batch, max_wait=self.max_wait
            )
            await self._act_guarded(batch)
            await self._act_jobs(gate_id)
            if stopping:
                while backlog:
                    room = min(len(backlog), self.max_batch)
                    await self._act_guarded([backlog.popleft() for _ in range(room)])
                return

    async def _act_guarded(self, batch: list[Pending]) -> None:
        if not batch:
            return
        try:
            await self.router.act(batch)
        except asyncio.CancelledError:
            abandon(batch)
            raise

    async def _act_jobs(self, gate_id: str) -> None:
        """Decide the check-ins by hand waiting, one transaction each."""
        jobs = self._jobs[gate_id]
        while jobs:
            job = jobs.popleft()
            try:
                await self.router.act_job(job)
            except asyncio.CancelledError:
                abandon_job(job)
                raise

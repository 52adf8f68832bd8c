"""Where a gate's batch (or an officer's check-in by hand) is decided, for the gate's loop
(gate/checkins/batcher.py): here, in one transaction under this process's lease of the gate
(checked, and share-locked against a takeover until the commit, by the transaction's first
statement), or by the lease holder it is forwarded to (gate/checkins/relay.py). A holder that
cannot be reached, or that refuses (it lost the lease), is taken over and the batch routed
again, ``MAX_ROUTES`` times at most (gate/checkins/pipelines.py)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from gate.checkins.leases import Lease, Seen, devices_held, fence
from gate.checkins.manual import ByHand, ByHandReply
from gate.checkins.pipelines import Pipelines
from gate.checkins.relay import Peers, PeerUnreachable
from gate.checkins.service import Result, check_in_many
from gate.checkins.waiting import Job, Pending, answer, settle
from gate.checkins.wire import Decision, NotOwner
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


# How an officer's check-in by hand is decided in the holder's transaction (its idempotency
# and answers are the web layer's: services/checkins/by_hand.py); None: this process takes none.
DecideByHand = Callable[[UnitOfWork, Gate, ByHand], Awaitable[ByHandReply]]


class LeaseLost(Exception):
    """The batch's transaction found the gate's lease taken over: nothing was decided."""


class BatchRouter:
    """Decides a gate's batches and check-ins by hand where the gate's lease says: ``new_uow``
    opens this process's transactions, ``gates`` remembers gate rows, ``retention`` is how
    long a device event_id is remembered, ``peers`` reach the other holders, ``by_hand``
    decides an officer's check-in by hand (None: refused)."""

    def __init__(
        self,
        new_uow: Callable[[], UnitOfWork],
        *,
        pipelines: Pipelines,
        peers: Peers,
        gates: GateMemory,
        retention: timedelta,
        by_hand: DecideByHand | None,
    ) -> None:
        self.new_uow = new_uow
        self.pipelines = pipelines
        self.gates = gates
        self.retention = retention
        self._peers = peers
        self._by_hand = by_hand

    async def act(self, batch: list[Pending]) -> None:
        """Route the batch until every event is decided: here under this process's lease,
        or by the lease holder it is forwarded to; answer each event's request."""
        gate_id = batch[0].gate_id
        undecided = batch
        for _ in range(MAX_ROUTES):
            try:
                route = await self.pipelines.route(gate_id)
            except Exception as error:
                answer(undecided, [error] * len(undecided))
                return
            if isinstance(route, Lease):
                decided = await self.decide_here(route, undecided)
                answer(undecided, decided)
                if all(d is not None for d in decided):
                    return
                self.pipelines.lost(route)
                undecided = [p for p, d in zip(undecided, decided, strict=True) if d is None]
                continue
            # Another process holds the gate: what was forwarded here goes back (its sender
            # takes the gate over); our own events go to the holder.
            answer(undecided, [NotOwner() if p.forwarded else None for p in undecided])
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
            answer(undecided, [None if r else d for r, d in zip(refused, forwarded, strict=True)])
            undecided = [p for p, r in zip(undecided, refused, strict=True) if r]
            if not undecided:
                return
            await self._take_over(gate_id, route)
        answer(
            undecided,
            [ConnectionError("the gate's check-in pipeline moved too often")] * len(undecided),
        )

    async def act_job(self, job: Job) -> None:
        """Route an officer's check-in by hand as a batch is routed (see ``act``)."""
        gate_id = job.gate_id
        for _ in range(MAX_ROUTES):
            try:
                route = await self.pipelines.route(gate_id)
            except Exception as error:
                settle(job, error)
                return
            if isinstance(route, Lease):
                try:
                    settle(job, await self._job_here(route, job.by_hand))
                except LeaseLost:
                    self.pipelines.lost(route)
                    continue
                except Exception as error:
                    settle(job, error)
                return
            if job.forwarded:
                settle(job, NotOwner())  # its sender takes the gate over
                return
            try:
                reply = await self._peers.forward_by_hand(route.address, gate_id, job.by_hand)
            except PeerUnreachable:
                log.warning("checkins.owner_unreachable", extra={"gate": gate_id}, exc_info=True)
                await self._take_over(gate_id, route)
                continue
            if not isinstance(reply, NotOwner):
                settle(job, reply)
                return
            await self._take_over(gate_id, route)
        settle(job, ConnectionError("the gate's check-in pipeline moved too often"))

    async def _take_over(self, gate_id: str, after: Seen) -> None:
        """Replace a holder that cannot be reached or refuses the gate's batches (logged if
        this fails too: the next route reads the lease again)."""
        try:
            await self.pipelines.take_over(gate_id, after)
        except Exception:
            log.warning("checkins.take_over_failed", extra={"gate": gate_id}, exc_info=True)

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
            async with self.new_uow() as uow:
                if await uow.session.scalar(fence(lease)) is None:
                    raise LeaseLost(lease.gate_id)
                gate = await self.gates.by_id(uow, lease.gate_id)
                reply = await self._by_hand(uow, gate, by_hand)
                await uow.commit()
        return reply

    async def decide_here(self, lease: Lease, batch: list[Pending]) -> list[Decision | None]:
        """Each event's decision under ``lease``; None for the events not decided because
        the lease was found taken over (the others were committed)."""
        try:
            return list(await self.in_one_transaction(lease, batch))
        except LeaseLost:
            return [None] * len(batch)
        except Exception as error:
            if len(batch) > 1 and not is_outage(error):
                # One bad event must not cost the others their check-in: each goes again in
                # a transaction of its own.
                log.warning("checkins.batch_failed", extra={"events": len(batch)}, exc_info=True)
                decided: list[Decision | None] = []
                for pending in batch:
                    decided += await self.decide_here(lease, [pending])
                    if decided[-1] is None:
                        return decided + [None] * (len(batch) - len(decided))
                return decided
            # Nothing was committed: nobody's check-in is acknowledged; the device retries.
            log.warning("checkins.event_failed", extra={"events": len(batch)}, exc_info=True)
            return [error] * len(batch)

    async def in_one_transaction(self, lease: Lease, batch: list[Pending]) -> list[Result]:
        """Every event of the batch (all of one gate: each gate has its own loop) acted on and
        committed; the answers in the batch's order. LeaseLost, with nothing done, if the
        gate's lease was taken over: checked, and share-locked against a takeover until the
        commit, by the transaction's first statement."""
        async with self.new_uow() as uow:
            named = {pending.device_id for pending in batch}
            devices = {d.id: d for d in await devices_held(uow.session, lease, named)}
            if not devices:
                raise LeaseLost(lease.gate_id)
            gate = await self.gates.by_id(uow, lease.gate_id)
            reads = [(devices[pending.device_id], pending.event) for pending in batch]
            answers = await check_in_many(uow, gate, reads, retention=self.retention)
            await uow.commit()
        return answers

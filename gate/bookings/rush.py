"""Group commit for booking attempts (issue 20, "a rush decided together"): the attempts on one
slot that arrive within a few milliseconds are decided in one transaction
(gate/bookings/together.py) and each request is answered only after it committed. When a slot
opens and thousands of trucks want its places, one lock of its row, one update and one commit
then serve a whole batch instead of one attempt each, and once it is full the attempts are
refused without touching its row (gate/bookings/full_slots.py).

Batches of one slot are decided one after the other (one loop per slot and process, ended
when the slot has nothing waiting); slots run side by side. A batch that fails as a whole is
decided again so that one attempt cannot sink the others: after a unique index caught a truck
booked concurrently, attempt by attempt in savepoints of one transaction; after any other
error (but an outage), each attempt in a transaction of its own, as the check-in batcher does
(gate/checkins/batcher.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from contextvars import Context
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from gate.bookings.together import Answer, Attempt, Decider, Outcome, decide
from gate.store.database import is_outage
from gate.store.unit_of_work import UnitOfWork

log = logging.getLogger("gate.bookings")

# A slot as attempts name it: the gate's code, the direction and the hour.
_SlotOf = tuple[str, str, str]


@dataclass
class _Pending:
    attempt: Attempt
    answer: asyncio.Future[Answer]


class BookingBatcher:
    """One batch loop per slot with attempts waiting. ``max_batch`` attempts at most in one
    transaction; a lone attempt waits ``max_wait`` seconds for company."""

    def __init__(
        self,
        new_uow: Callable[[], UnitOfWork],
        decider: Decider,
        max_batch: int = 500,
        max_wait: float = 0.002,
    ) -> None:
        self._new_uow = new_uow
        self.decider = decider
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queues: dict[_SlotOf, asyncio.Queue[_Pending]] = {}
        self._tasks: dict[_SlotOf, asyncio.Task[None]] = {}
        self._running = False

    def start(self) -> None:
        self._running = True

    async def stop(self) -> None:
        self._running = False
        tasks, self._tasks, self._queues = list(self._tasks.values()), {}, {}
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def submit(self, attempt: Attempt) -> Answer:
        """The attempt's answer once its batch committed. Raises the refusal (a DomainError)
        of an attempt sent without an Idempotency-Key, IdempotencyKeyReused, or what the
        database raised when nothing was committed."""
        if not self._running:
            raise RuntimeError("the booking batcher is not running")
        answer: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        new = attempt.new
        slot = (new.gate, new.direction.value, attempt.start.isoformat())
        queue = self._queues.get(slot)
        if queue is None:
            queue = self._queues[slot] = asyncio.Queue()
            # In a context of its own: the loop serves every request after this one, and must
            # not carry this request's id (gate/request_ids.py) into their log lines.
            self._tasks[slot] = asyncio.create_task(self._run(slot, queue), context=Context())
        queue.put_nowait(_Pending(attempt, answer))
        return await answer

    async def _run(self, slot: _SlotOf, queue: asyncio.Queue[_Pending]) -> None:
        try:
            while not queue.empty():
                await self._act(await self._gather(queue))
        finally:
            # Nothing waits (checked with no await since): the next attempt starts a new loop.
            self._queues.pop(slot, None)
            self._tasks.pop(slot, None)
            while not queue.empty():  # only when the loop was stopped or broke
                left = queue.get_nowait().answer
                if not left.done():
                    left.set_exception(RuntimeError("the booking batcher stopped"))

    async def _gather(self, queue: asyncio.Queue[_Pending]) -> list[_Pending]:
        """The next batch: what queued while the last one was decided goes at once; a lone
        attempt waits max_wait for company."""
        loop = asyncio.get_running_loop()
        batch = [queue.get_nowait()]
        while len(batch) < self.max_batch and not queue.empty():
            batch.append(queue.get_nowait())
        deadline = loop.time() + self.max_wait
        while len(batch) == 1:
            timeout = deadline - loop.time()
            if timeout <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(queue.get(), timeout))
            except TimeoutError:
                break
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
        return batch

    async def _act(self, batch: list[_Pending]) -> None:
        attempts = [pending.attempt for pending in batch]
        try:
            try:
                outcomes = await self._in_one_transaction(attempts, careful=False)
            except IntegrityError:
                # A truck of the batch was booked by a concurrent transaction: the others
                # keep their places, that one gets its refusal.
                log.info("bookings.batch_decided_again", extra={"attempts": len(batch)})
                outcomes = await self._in_one_transaction(attempts, careful=True)
        except Exception as error:
            if len(batch) > 1 and not is_outage(error):
                log.warning("bookings.batch_failed", extra={"attempts": len(batch)}, exc_info=True)
                for pending in batch:
                    await self._act([pending])
                return
            # Nothing was committed: nobody's booking is acknowledged.
            log.warning("bookings.attempt_failed", extra={"attempts": len(batch)}, exc_info=True)
            for pending in batch:
                if not pending.answer.done():
                    pending.answer.set_exception(error)
            return
        for pending, outcome in zip(batch, outcomes, strict=True):
            if pending.answer.done():
                continue  # its request went away
            if isinstance(outcome, Answer):
                pending.answer.set_result(outcome)
            else:
                pending.answer.set_exception(outcome)

    async def _in_one_transaction(
        self, attempts: Sequence[Attempt], *, careful: bool
    ) -> list[Outcome]:
        async with self._new_uow() as uow:
            decision = await decide(uow, attempts, self.decider, careful=careful)
            await uow.commit()
        if decision.full is not None:
            self.decider.full.remember(*decision.full)
        return decision.outcomes

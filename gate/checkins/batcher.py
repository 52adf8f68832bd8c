"""Group commit for check-ins: the device events that arrive within a few milliseconds are
acted on in one transaction, set-oriented (a handful of statements for the whole batch), and
every device is answered only after that transaction committed. One commit (one fsync, one
turn of a slot's or an audit chain's row lock) then serves many check-ins, which is what lets
a busy gate's cameras go faster than one transaction per truck allows.

Each event's result is its own: an event whose event_id its device used before for another
event (``EventIdReused``, see ``gate.devices.fingerprint``) is handed back to its request
as that refusal, while the rest of the batch is acted on and committed as usual."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from gate.checkins.service import DeviceEvent, Result, check_in_many
from gate.gates.memory import GateMemory
from gate.store.database import is_outage
from gate.store.tables import Device
from gate.store.unit_of_work import UnitOfWork

log = logging.getLogger("gate.checkins")


@dataclass
class _Pending:
    gate_id: str
    device_id: str
    event: DeviceEvent
    answer: asyncio.Future[Result]


class CheckinBatcher:
    """One batch loop per gate. A gate's check-ins queue on its audit chain (and a walk-in
    hour's row) anyway, so two batches of one gate in flight would only wait for each other
    and each be smaller; while one batch is acted on, the next gathers. Gates run side by
    side."""

    def __init__(
        self,
        new_uow: Callable[[], UnitOfWork],
        max_batch: int = 200,
        max_wait: float = 0.002,
        *,
        retention: timedelta,
        gates: GateMemory | None = None,
    ) -> None:
        """``retention``: how long a device event_id is remembered (see gate/config.py);
        ``gates``: the process's remembered gate rows (else each batch reads its gate's)."""
        self._new_uow = new_uow
        self._gates = gates or GateMemory(ttl_s=0)
        self.retention = retention
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queues: dict[str, asyncio.Queue[_Pending]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._running = False

    def start(self) -> None:
        self._running = True

    async def stop(self) -> None:
        self._running = False
        tasks, self._tasks = list(self._tasks.values()), {}
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def submit(self, gate_id: str, device_id: str, event: DeviceEvent) -> Result:
        """The encoded answer and whether it was a replay, once committed; or EventIdReused."""
        if not self._running:
            raise RuntimeError("the check-in batcher is not running")
        answer: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        queue = self._queues.get(gate_id)
        if queue is None:
            queue = self._queues[gate_id] = asyncio.Queue()
            self._tasks[gate_id] = asyncio.create_task(self._run(queue))
        queue.put_nowait(_Pending(gate_id, device_id, event, answer))
        return await answer

    async def _run(self, queue: asyncio.Queue[_Pending]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            # What queued while the last batch was acted on goes at once; a lone event waits
            # max_wait for company.
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
            await self._act(batch)

    async def _act(self, batch: list[_Pending]) -> None:
        try:
            answers = await self._in_one_transaction(batch)
        except Exception as error:
            if len(batch) > 1 and not is_outage(error):
                # One bad event must not cost the others their check-in: each goes again in
                # a transaction of its own.
                log.warning("checkins.batch_failed", extra={"events": len(batch)}, exc_info=True)
                for pending in batch:
                    await self._act([pending])
                return
            # Nothing was committed: nobody's check-in is acknowledged; the device retries.
            log.warning("checkins.event_failed", extra={"events": len(batch)}, exc_info=True)
            for pending in batch:
                if not pending.answer.done():
                    pending.answer.set_exception(error)
            return
        for pending, answer in zip(batch, answers, strict=True):
            if not pending.answer.done():
                pending.answer.set_result(answer)

    async def _in_one_transaction(self, batch: list[_Pending]) -> list[Result]:
        """Every event of the batch (all of one gate: each gate has its own loop) acted on and
        committed; the answers in the batch's order."""
        (gate_id,) = {pending.gate_id for pending in batch}
        async with self._new_uow() as uow:
            gate = await self._gates.by_id(uow, gate_id)
            named = {pending.device_id for pending in batch}
            devices = {
                device.id: device
                for device in await uow.session.scalars(select(Device).where(Device.id.in_(named)))
            }
            reads = [(devices[pending.device_id], pending.event) for pending in batch]
            answers = await check_in_many(uow, gate, reads, retention=self.retention)
            await uow.commit()
        return answers

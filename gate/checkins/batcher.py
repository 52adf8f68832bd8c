"""Group commit for check-ins: the device events that arrive within a few milliseconds are
acted on in one transaction, set-oriented (a handful of statements for the whole batch), and
every device is answered only after that transaction committed. One commit (one fsync, one
turn of a slot's or an audit chain's row lock) then serves many check-ins, which is what lets
a busy gate's cameras go faster than one transaction per truck allows."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from gate.checkins.service import DeviceEvent, check_in_many
from gate.store.database import is_outage
from gate.store.tables import Device, Gate
from gate.store.unit_of_work import UnitOfWork

log = logging.getLogger("gate.checkins")


@dataclass
class _Pending:
    gate_id: str
    device_id: str
    event: DeviceEvent
    answer: asyncio.Future[tuple[bytes, bool]]


class CheckinBatcher:
    def __init__(
        self,
        new_uow: Callable[[], UnitOfWork],
        max_batch: int = 64,
        max_wait: float = 0.002,
        workers: int = 4,
    ) -> None:
        self._new_uow = new_uow
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        # Several batches in flight: while one waits for the database, the next is gathered.
        self.workers = workers
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run()) for _ in range(self.workers)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def submit(self, gate_id: str, device_id: str, event: DeviceEvent) -> tuple[bytes, bool]:
        """The encoded answer and whether it was a replay, once committed."""
        answer: asyncio.Future[tuple[bytes, bool]] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(gate_id, device_id, event, answer))
        return await answer

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            deadline = asyncio.get_running_loop().time() + self.max_wait
            while len(batch) < self.max_batch:
                timeout = deadline - asyncio.get_running_loop().time()
                if timeout <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self._queue.get(), timeout))
                except TimeoutError:
                    break
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
        for pending in batch:
            if not pending.answer.done():
                pending.answer.set_result(answers[id(pending)])

    async def _in_one_transaction(self, batch: list[_Pending]) -> dict[int, tuple[bytes, bool]]:
        """Every event of the batch acted on and committed; the answers by pending's id."""
        by_gate: dict[str, list[_Pending]] = {}
        for pending in batch:
            by_gate.setdefault(pending.gate_id, []).append(pending)
        answers: dict[int, tuple[bytes, bool]] = {}
        async with self._new_uow() as uow:
            for gate_id in sorted(by_gate):  # the gates' audit chains are locked in order
                pendings = by_gate[gate_id]
                gate = await uow.session.get(Gate, gate_id)
                devices = {
                    device.id: device
                    for device in await uow.session.scalars(
                        select(Device).where(Device.id.in_({p.device_id for p in pendings}))
                    )
                }
                assert gate is not None
                reads = [(devices[p.device_id], p.event) for p in pendings]
                for pending, answer in zip(
                    pendings, await check_in_many(uow, gate, reads), strict=True
                ):
                    answers[id(pending)] = answer
            await uow.commit()
        return answers

"""Group commit for check-ins: the device events that arrive within a few milliseconds are
acted on in one transaction, each in a savepoint of its own, and every device is answered only
after that transaction committed. One commit (one fsync, one turn of a slot's or an audit
chain's row lock) then serves many check-ins, which is what lets a busy gate's cameras go
faster than one transaction per truck allows."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from gate.checkins.service import DeviceEvent, check_in
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
        results: list[tuple[_Pending, tuple[bytes, bool] | BaseException]] = []
        try:
            async with self._new_uow() as uow:
                gates: dict[str, Gate] = {}
                devices: dict[str, Device] = {}
                for pending in batch:
                    try:
                        gate = gates.get(pending.gate_id) or await uow.session.get(
                            Gate, pending.gate_id
                        )
                        device = devices.get(pending.device_id) or await uow.session.get(
                            Device, pending.device_id
                        )
                        assert gate is not None and device is not None
                        gates[gate.id], devices[device.id] = gate, device
                        async with uow.savepoint():
                            results.append(
                                (pending, await check_in(uow, gate, device, pending.event))
                            )
                    except Exception as error:  # this event only; the others go on
                        log.warning("checkins.event_failed", exc_info=True)
                        results.append((pending, error))
                await uow.commit()
        except Exception as error:  # the commit failed: nobody's check-in is acknowledged
            log.warning("checkins.batch_failed", extra={"events": len(batch)})
            for pending in batch:
                if not pending.answer.done():
                    pending.answer.set_exception(error)
            return
        for pending, result in results:
            if pending.answer.done():
                continue
            if isinstance(result, BaseException):
                pending.answer.set_exception(result)
            else:
                pending.answer.set_result(result)

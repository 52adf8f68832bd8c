"""What waits in a gate's check-in loop (gate/checkins/batcher.py), and how each is answered:
a device's event (``Pending``: a camera's or kiosk's read, or one of a backlog), an officer's
check-in by hand (``Job``), and the mark that wakes the loop for a backlog or a job
(``WAKE``); how the loop gathers its next batch from them (``gather``). An event or job is
answered once: by its decision, or, when its process stops before deciding it, as undecided
(``abandon``: 503 for this process's own devices, NotOwner for what another process
forwarded, so that its sender takes the gate over)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from gate.checkins.manual import ByHand, ByHandReply
from gate.checkins.service import DeviceEvent, Result
from gate.checkins.wire import Decision, NotOwner
from gate.domain.errors import EventIdReused


class PipelineStopped(ConnectionError):
    """This process stopped before the event was decided (it may have been committed): the
    device's request is answered 503 and the device sends it again, to any process."""


@dataclass
class Pending:
    """A device's event waiting for the gate's loop; ``answer`` is its request's."""

    gate_id: str
    device_id: str
    event: DeviceEvent
    answer: asyncio.Future[Result]
    forwarded: bool = False  # sent by another process: decided here, or refused (NotOwner)


@dataclass
class Job:
    """An officer's check-in by hand waiting for the gate's loop."""

    gate_id: str
    by_hand: ByHand
    answer: asyncio.Future[ByHandReply]
    forwarded: bool = False


class Wake:
    """Put in a gate's queue when a backlog or a job is added: the loop looks at them."""


WAKE = Wake()


def abandon(batch: Sequence[Pending]) -> None:
    """Answer the events a stopping process leaves undecided: its own devices' with
    PipelineStopped, the forwarded ones with NotOwner (their sender takes the gate over)."""
    for pending in batch:
        if not pending.answer.done():
            error = NotOwner() if pending.forwarded else PipelineStopped("the process stopped")
            pending.answer.set_exception(error)


def abandon_job(job: Job) -> None:
    """As ``abandon``, for a check-in by hand."""
    if not job.answer.done():
        error = NotOwner() if job.forwarded else PipelineStopped("the process stopped")
        job.answer.set_exception(error)


def settle(job: Job, reply: ByHandReply | BaseException) -> None:
    """Hand a check-in by hand its reply, or the error that kept it from being decided
    (once: a job already answered keeps its answer)."""
    if job.answer.done():
        return
    if isinstance(reply, BaseException):
        job.answer.set_exception(reply)
    else:
        job.answer.set_result(reply)


def answer(batch: Sequence[Pending], decided: Sequence[Decision | None]) -> None:
    """Hand each event's decision to its request (None: not decided yet)."""
    for pending, decision in zip(batch, decided, strict=True):
        if decision is None or pending.answer.done():
            continue
        if isinstance(decision, tuple | EventIdReused):
            pending.answer.set_result(decision)
        else:
            pending.answer.set_exception(decision)


async def gather(
    queue: asyncio.Queue[Pending | Wake | None],
    backlog: deque[Pending],
    *,
    max_batch: int,
    max_wait: float,
) -> tuple[list[Pending], bool]:
    """A gate's next batch (at most ``max_batch`` events) from its ``queue`` and ``backlog``,
    and whether the stop mark (None) came with it (nothing is gathered after it). What queued
    while the last batch was acted on goes at once; a lone event waits ``max_wait`` seconds
    for company. A backlog waiting takes up to a quarter of the batch, first (its events were
    observed before), and whatever room the live reads leave."""
    loop = asyncio.get_running_loop()
    # A backlog left over is the next batch's whether or not anything else came.
    items = [] if backlog else [await queue.get()]
    live = max_batch - min(len(backlog), max_batch // 4)

    def take_queued() -> None:
        while len(items) < live and None not in items[-1:] and not queue.empty():
            items.append(queue.get_nowait())

    take_queued()
    deadline = loop.time() + max_wait
    while len(items) == 1 and isinstance(items[0], Pending) and not backlog:
        timeout = deadline - loop.time()
        if timeout <= 0:
            break
        try:
            items.append(await asyncio.wait_for(queue.get(), timeout))
        except TimeoutError:
            break
        take_queued()
    reads = [item for item in items if isinstance(item, Pending)]
    room = min(len(backlog), max_batch - len(reads))
    batch = [backlog.popleft() for _ in range(room)] + reads
    return batch, None in items

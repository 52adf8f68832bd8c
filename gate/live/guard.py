"""The open authenticated streams of one process, ended when what they were opened with ends.

Every stream signed in with a credential is admitted here with its ``Grant`` and a way to
end it. All of them are re-checked together (gate/accounts/access.py: a handful of queries
whatever their number) every ``interval`` seconds, and at once when an ``access.changed``
event arrives from any process (``wake``). The periodic check is the guarantee: it holds
with no bus between processes, and when an event was lost; the event only makes it quicker.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence

from gate.accounts.access import Ending, Grant

log = logging.getLogger("gate.live.guard")

Check = Callable[[Sequence[Grant]], Awaitable[list[Ending | None]]]
End = Callable[[Ending], None]


class StreamGuard:
    """``check`` says, for a list of grants, which have ended and why; ``interval`` is the
    longest a stream outlives its credential when no event says so (GATE_STREAM_RECHECK_S)."""

    def __init__(self, check: Check, interval: float) -> None:
        self.interval = interval
        self._check = check
        self._open: dict[int, tuple[Grant, End]] = {}
        self._tickets = itertools.count()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def admit(self, grant: Grant, end: End) -> int:
        """Watch a stream; ``end`` is called once (synchronously) if its grant ends. Returns
        the ticket to ``release`` when the stream closes for any other reason."""
        ticket = next(self._tickets)
        self._open[ticket] = (grant, end)
        return ticket

    def release(self, ticket: int) -> None:
        self._open.pop(ticket, None)

    def __len__(self) -> int:
        return len(self._open)

    def wake(self) -> None:
        """Something's access changed somewhere: re-check now rather than at the next tick."""
        self._wake.set()

    async def recheck(self) -> int:
        """Check every open stream once and end those whose grant has ended; how many."""
        watched = list(self._open.items())
        if not watched:
            return 0
        try:
            verdicts = await self._check([grant for _, (grant, _) in watched])
        except Exception:
            # The database is away: keep the streams (a revocation is a database write, so
            # none can have happened since it went without an event) and try again later.
            log.warning("live.guard.check_failed", exc_info=True)
            return 0
        ended = 0
        for (ticket, (_, end)), verdict in zip(watched, verdicts, strict=True):
            if verdict is not None and self._open.pop(ticket, None) is not None:
                end(verdict)
                ended += 1
        if ended:
            log.info("live.guard.streams_ended", extra={"streams": ended})
        return ended

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
            await self.recheck()

    def start(self) -> None:
        self._task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

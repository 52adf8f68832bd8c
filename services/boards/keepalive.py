"""One keepalive for all of a boards' server's viewers, instead of one task per viewer.

``websockets`` keeps a connection alive with a task of its own per connection (a coroutine,
a sleep's timer and future, each time): about 1.6 KiB a viewer, measured as the server's RSS
with 5,000 viewers, an eighth of what a viewer cost. A board server holds tens of thousands of
viewers who only listen, so one loop pings them all instead, every ``interval_s``: a
viewer whose pong to the previous round's ping has not come is dropped (a vanished phone is
noticed within two intervals, as websockets' own ping_interval + ping_timeout of 20 s each),
and so is one whose socket stayed backed up across two rounds with no fewer bytes unsent
(it took less than it was sent for a whole interval; a viewer past the server's slow-viewer
bound is sent nothing more, so a live one drains). The pings also keep proxies' idle timers
from closing a quiet board's connections, which TCP keepalive would not."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

log = logging.getLogger("gate.boards")

PINGS_PER_PASS = 1000  # then the loop runs: a broadcast waits for at most this many pings

# What a round records of a connection: the future of its ping's pong, or, for one left
# unpinged because its socket was backed up, how many bytes were unsent then.
Check = Awaitable[float] | int


class Keepalive:
    """Pings ``connections()`` every ``interval_s`` seconds; drops the dead ones."""

    def __init__(
        self, connections: Callable[[], Iterable[ServerConnection]], interval_s: float
    ) -> None:
        self._connections = connections
        self._interval_s = interval_s

    async def run(self) -> None:
        """Round after round until cancelled. Halfway between two rounds the record keeps
        only the pings still unanswered: a pong comes within milliseconds, and a future
        and a record entry kept for every viewer until the next round would be 0.2 KiB a
        viewer for nothing."""
        previous: dict[ServerConnection, Check] = {}
        while True:
            await asyncio.sleep(self._interval_s / 2)
            previous = unanswered(previous)
            await asyncio.sleep(self._interval_s / 2)
            try:
                previous = await self.round(previous)
            except Exception:  # the next round must still come: no viewer is ever dropped
                log.exception("boards.keepalive.round_failed")
                previous = {}

    async def round(self, previous: dict[ServerConnection, Check]) -> dict[ServerConnection, Check]:
        """One round: drops the connections that failed ``previous`` (the last round's
        record), pings the others; returns this round's record (a pong's future per
        connection pinged, the unsent bytes of one left unpinged)."""
        record: dict[ServerConnection, Check] = {}
        for done, connection in enumerate(list(self._connections())):
            if done % PINGS_PER_PASS == PINGS_PER_PASS - 1:
                await asyncio.sleep(0)
            if connection.state is not State.OPEN:
                continue  # closing: ping() would wait for the close to finish
            unsent = connection.transport.get_write_buffer_size()
            if connection in previous:
                check = previous[connection]
                if isinstance(check, int):
                    failed = unsent > 0 and unsent >= check
                else:
                    failed = not _answered(check)
                if failed:
                    connection.transport.abort()  # a dead peer reads no close frame
                    continue
            if unsent > 0:
                # ping() would wait for the socket to drain, and the whole round with it.
                record[connection] = unsent
                continue
            try:
                record[connection] = await connection.ping()
            except ConnectionClosed:
                continue
        return record


def unanswered(
    record: dict[ServerConnection, Check],
) -> dict[ServerConnection, Check]:
    """What of a round's ``record`` the next round must still check: the pings not yet
    answered and the connections left unpinged as backed up (a connection absent from the
    record is pinged at the next round like a new one)."""
    return {c: check for c, check in record.items() if not _answered(check)}


def _answered(check: Check) -> bool:
    return isinstance(check, asyncio.Future) and check.done()

"""The reads that may lag, on a streaming replica of the PostgreSQL primary
(GATE_DATABASE_REPLICA_URL; docs/architecture.md, "The read replica").

Which reads: those whose answer may be a moment old without misleading anyone and that crowds
ask for: the boards' projector (gate/live/projector.py), free places per hour, the open
statistics, a booking's audited history. Writes, and anything read inside a write (a booking
reads its slot under lock), and authentication (a revoked key must stop working at once) stay
on the primary.

How far behind: every ``check_s`` the primary's WAL position is noted with the time
(``pg_current_wal_lsn()``), then the replica's replayed position is read
(``pg_last_wal_replay_lsn()``). The replica holds every commit the primary had made at the
time of the latest note whose position it has replayed; its lag is the time since that note.
So the figure is an upper bound, in steps of ``check_s`` while the primary writes (keep the
check well below the bound), it is 0 when the primary is idle (nothing to be behind on), and a
replica cut off from its primary is seen falling behind as soon as the primary writes: which
``now() - pg_last_xact_replay_timestamp()`` gets wrong both ways.

Falling back: a replica measured more than ``max_lag_s`` behind, unreachable, or no longer in
recovery (promoted: it would be a second, diverging primary) is left, and every read goes to
the primary; a read that meets a fault of the replica (it stopped between two checks) marks it
so and is made again on the primary, as is a read the replica cancelled for a conflict with
recovery; a read that finds nothing on the replica (a row it has not replayed yet) asks the
primary before answering "not found". Coming back: the first check that finds the replica
reachable and within the bound uses it again. Nothing waits for an operator.

The projector's reads are fresh: before it reads, the primary's WAL position is asked and the
replica is waited for until it has replayed it (at most ``FRESH_WAIT_S``, else that rebuild
reads the primary), so a board rebuilt for an event shows that event, as it does without a
replica.

The reads themselves, on the replica or the primary: gate/store/lagging_reads.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from gate.config import Settings
from gate.store.database import create_engine, create_session_factory, is_transient_conflict
from gate.store.faults import Unavailable, unavailability

log = logging.getLogger("gate.store.replica")

# Positions as byte offsets (numeric), to compare in Python. The replica's is NULL on a server
# that is not in recovery: a primary, or a replica promoted since.
PRIMARY_POSITION = text("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
REPLAYED_POSITION = text("SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn")
# Between two looks at the replica's position while a fresh read waits for it: streaming
# replication on a LAN replays a commit within milliseconds.
WAIT_STEP_S = 0.005
# The longest a fresh read waits for the replica before it reads the primary instead (the
# replica stays in use: its lag is the checks' to judge). The projector rebuilds every board
# in turn, so this is the most a replica may delay a board: a quarter of the projector's
# half-second coalescing interval.
FRESH_WAIT_S = 0.125
# Faults after which a read is made again on the primary but the replica is not left: the
# replica's pool had no connection free in time, or the replica cancelled the statement (a
# statement_timeout set there). Any other fault leaves it until a check finds it again.
_NOT_LEFT_FOR = frozenset({Unavailable.BUSY, Unavailable.CANCELLED})


class Replica:
    """A streaming replica and what is known of it: whether reads use it now (``in_use``),
    its lag in seconds (``lag_s``, None while it cannot be measured) and why it is not used
    (``reason``). ``watch`` measures it every ``check_s`` seconds until cancelled."""

    def __init__(
        self, primary: AsyncEngine, engine: AsyncEngine, max_lag_s: float, check_s: float
    ) -> None:
        self.primary = primary
        self.engine = engine
        self.sessions = create_session_factory(engine, read_only=True)
        self.max_lag_s = max_lag_s
        self.check_s = check_s
        self.in_use = False
        self.lag_s: float | None = None
        self.reason = "not measured yet"
        # (monotonic time, primary's position) notes, oldest first; enough of them to tell a
        # lag past the bound even when the oldest still held is the reference.
        self._notes: deque[tuple[float, int]] = deque(maxlen=int(4 * max_lag_s / check_s) + 2)
        self._watching: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, settings: Settings, primary: AsyncEngine) -> Replica | None:
        """The replica GATE_DATABASE_REPLICA_URL names (None when it names none), on a pool
        like the primary's; opening a connection to it may take the bound at most, so a
        replica cut off without a word costs a read that long before the primary answers."""
        if not settings.database_replica_url:
            return None
        engine = create_engine(
            settings,
            url=settings.database_replica_url,
            connect_timeout_s=settings.replica_max_lag_s,
        )
        return cls(primary, engine, settings.replica_max_lag_s, settings.replica_check_s)

    def start(self) -> None:
        """Measure now and every ``check_s`` from now on (the app's lifespan starts it)."""
        self._watching = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        """Stop measuring and close the replica's connections."""
        if self._watching is not None:
            self._watching.cancel()
            await asyncio.gather(self._watching, return_exceptions=True)
        self.in_use = False
        await self.engine.dispose()

    async def _watch(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:  # a bug here must not end the watch (and leave a stale choice)
                log.exception("replica.check_failed")
                self._leave("its check failed")
            await asyncio.sleep(self.check_s)

    async def check(self) -> None:
        """Measure the lag once and use or leave the replica accordingly. When the primary
        does not answer, nothing is compared and the choice stays as it was."""
        try:
            async with asyncio.timeout(self.max_lag_s):
                noted = await _position(self.primary, PRIMARY_POSITION)
        except Exception as error:
            if unavailability(error) is None:
                raise
            return
        if noted is not None:
            self._notes.append((time.monotonic(), noted))
        try:
            async with asyncio.timeout(self.max_lag_s):
                replayed = await _position(self.engine, REPLAYED_POSITION)
        except Exception as error:
            if not self.failed(error):
                raise
            return
        if replayed is None:
            self._leave("it is not in recovery (promoted, or a primary): not a replica")
            return
        self.lag_s = self._lag(replayed, time.monotonic())
        if self.lag_s > self.max_lag_s:
            self._leave(f"it is {self.lag_s:.1f} s behind, past the bound")
        elif not self.in_use:
            self.in_use = True
            self.reason = ""
            log.info("replica.in_use", extra={"lag_s": round(self.lag_s, 3)})

    def _lag(self, replayed: int, now: float) -> float:
        """Seconds since the latest note whose position ``replayed`` has reached; when it has
        reached none held, at least the age of the oldest. Notes older than that latest one
        are dropped: it is the reference until the replica passes a newer one."""
        reference = None
        while self._notes and self._notes[0][1] <= replayed:
            reference = self._notes.popleft()
        if reference is not None:
            self._notes.appendleft(reference)
            return max(0.0, now - reference[0])
        return max(0.0, now - self._notes[0][0]) if self._notes else 0.0

    def failed(self, error: BaseException) -> bool:
        """Whether ``error``, met on the replica, means the read should be made on the
        primary instead: a fault of the replica (it is then left until a check finds it
        again), or a statement it cancelled for a conflict with recovery (it stays in use)."""
        kind = unavailability(error)
        if kind is not None and kind not in _NOT_LEFT_FOR:
            self.lag_s = None
            self._leave(kind.description)
        return kind is not None or is_transient_conflict(error)

    def _leave(self, reason: str) -> None:
        self.reason = reason
        if self.in_use:
            self.in_use = False
            log.warning("replica.left", extra={"reason": reason, "lag_s": self.lag_s})

    async def caught_up(self) -> AsyncSession | None:
        """A session on the replica, which has replayed every commit the primary had made
        when this was called; None when the replica is not in use, does not catch up within
        ``FRESH_WAIT_S``, or fails (the caller reads the primary then)."""
        if not self.in_use:
            return None
        try:
            async with asyncio.timeout(self.max_lag_s):
                target = await _position(self.primary, PRIMARY_POSITION)
        except Exception as error:
            if unavailability(error) is None:
                raise
            return None  # the primary's own trouble: the caller meets it there
        session = self.sessions()
        try:
            async with asyncio.timeout(min(FRESH_WAIT_S, self.max_lag_s)):
                while True:
                    replayed = (await session.execute(REPLAYED_POSITION)).scalar()
                    if replayed is None or target is None or int(replayed) >= target:
                        break
                    await asyncio.sleep(WAIT_STEP_S)
        except TimeoutError:
            await session.close()
            log.debug("replica.behind_for_a_fresh_read", extra={"lag_s": self.lag_s})
            return None
        except Exception as error:
            await session.close()
            if not self.failed(error):
                raise
            return None
        if replayed is None:
            await session.close()
            self._leave("it is not in recovery (promoted, or a primary): not a replica")
            return None
        return session


async def _position(engine: AsyncEngine, query: TextClause) -> int | None:
    """A WAL position asked of ``engine``'s server, as a byte offset."""
    async with engine.connect() as connection:
        value = (await connection.execute(query)).scalar()
    return None if value is None else int(value)

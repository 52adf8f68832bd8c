"""The dispatcher: one per process, a loop that expands outbox events into deliveries and
attempts the due deliveries, waking on a short poll and at once when this process committed
an outboxed event (docs/architecture.md, "The outbox").

A round woken by a commit expands what was written; it claims deliveries only when there may
be some due: the expansion made some, the last claim found work (the next of a booking may
follow), a delivery was made due by hand (``wake``), or a poll's time passed since the last
claim (a retry's time came). A busy gate commits a batch every few milliseconds: claiming
deliveries after each was most of the outbox's cost on the check-in path (issue 20). A round
that made none but let another's delivery go (an earlier event of its booking expanded by
another dispatcher, or set aside) leaves it to the next poll, at most ``poll_s`` later."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update

from gate.domain.outbox import retry_delay
from gate.domain.time import utc_now
from gate.metrics import OUTBOX_ATTEMPTS, OUTBOX_SET_ASIDE
from gate.outbox.claims import (
    DELIVERED,
    FAILED,
    PENDING,
    claim_deliveries,
    claim_events,
    mark_expanded,
)
from gate.outbox.expansion import FirstFailure, expand_events, load_events
from gate.outbox.poison import (
    FailedExpansion,
    record_expand_failure,
)
from gate.outbox.protocols import (
    Expander,
    Forget,
    GivenUp,
    Outcome,
    Result,
    Sender,
)
from gate.outbox.tally import RETRIED, Tally
from gate.store.leases import lease_owner_name
from gate.store.tables import Delivery, DeliveryAttempt
from gate.store.tables.base import table_of
from gate.store.unit_of_work import UnitOfWork

log = logging.getLogger("gate.outbox")

# How long a claim holds: longer than any one attempt takes (a webhook's is bounded at 15 s),
# so a live dispatcher never loses a claim mid-attempt; a dead one's claims pass to another
# process after it.
LEASE = timedelta(seconds=60)
# The longest one attempt may take, whatever its sender's own timeouts (an SMTP relay or a
# provider trickling its answer resets a per-read timeout): half the lease, so the claim
# never runs out mid-attempt and another process never sends the same delivery beside it.
ATTEMPT_LIMIT_S = LEASE.total_seconds() / 2
# Events expanded and deliveries attempted per round; a round's attempts run side by side.
BATCH = 50


class OutboxDispatcher:
    """Expands outbox events with ``expanders`` and attempts deliveries with ``senders``
    (by channel), each in short transactions of ``new_uow``; ``given_up`` hooks (by channel)
    hear of a delivery that failed for good; ``forget`` (by channel) gives what a delivery's
    payload keeps once it is delivered or given up (a message's address and text are
    personal data, kept no longer than needed). ``schedule``: the waits before each retry
    (gate/domain/outbox.py); ``poll_s``: the longest the loop sleeps when idle;
    ``attempt_limit_s``: the longest an attempt may take before it counts as failed (at
    most ATTEMPT_LIMIT_S)."""

    def __init__(
        self,
        new_uow: Callable[[], UnitOfWork],
        expanders: Sequence[Expander],
        senders: Mapping[str, Sender],
        *,
        schedule: Sequence[float],
        poll_s: float,
        given_up: Mapping[str, GivenUp] | None = None,
        attempt_limit_s: float = ATTEMPT_LIMIT_S,
        forget: Mapping[str, Forget] | None = None,
    ) -> None:
        self.attempt_limit_s = min(attempt_limit_s, ATTEMPT_LIMIT_S)
        self._new_uow = new_uow
        self.expanders = list(expanders)
        self.senders = dict(senders)
        self.given_up = dict(given_up or {})
        self.forget = dict(forget or {})
        self.schedule = tuple(schedule)
        self.poll_s = poll_s
        self.owner = lease_owner_name()
        self.tally = Tally()  # what this process did, for the metrics
        self._wake = asyncio.Event()
        self._deliveries_due = True  # a round claims deliveries (see the module's docstring)
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Run a round now, claiming deliveries too (one was made due in this process: sent
        again by hand, or its endpoint enabled)."""
        self._deliveries_due = True
        self._wake.set()

    def events_written(self) -> None:
        """Run a round now: a commit of this process wrote outbox events. Wakes that come
        while a round runs make one more round, not one each."""
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Let the round under way finish (its attempts recorded, its claims released), then
        end the loop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _loop(self) -> None:
        next_claim = time.monotonic()
        while not self._stopping:
            self._wake.clear()
            try:
                expanded, made = await self._expand()
                if made or self._deliveries_due or time.monotonic() >= next_claim:
                    self._deliveries_due = False
                    next_claim = time.monotonic() + self.poll_s
                    # Work found: the next of its booking may be due at once.
                    found = await self.deliver_once()
                    self._deliveries_due = self._deliveries_due or found > 0
                busy = bool(expanded) or self._deliveries_due
            except Exception:
                log.exception("outbox.round_failed")
                busy = False
            if not busy and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)

    async def expand_once(self, now: datetime | None = None) -> int:
        """Claim up to BATCH unexpanded events and expand them, in one transaction; how many
        were expanded or set aside. An event an expander fails on stays claimed until its
        lease ends, then is tried again (logged); after EXPAND_TRIES failures it is set aside
        (gate/outbox/poison.py); the others are expanded."""
        return (await self._expand(now))[0]

    async def _expand(self, now: datetime | None = None) -> tuple[int, int]:
        """``expand_once``: how many events were expanded or set aside, and how many
        deliveries they made."""
        now = now or utc_now()
        async with self._new_uow() as uow:
            seqs = await claim_events(uow.session, self.owner, now, LEASE, BATCH)
            await uow.commit()
        if not seqs:
            return 0, 0
        known: FailedExpansion | None = None
        async with self._new_uow() as uow:
            events = await load_events(uow.session, seqs)
            try:
                # All in one go: a savepoint per event is two round trips each.
                done, failed, made = await expand_events(uow.session, self.expanders, events, now)
                return await self._finish(uow, done, failed, made, now)
            except FirstFailure as first:
                known = first.failure
        # One failed: it is counted, and the others go on, each in a savepoint of its own.
        async with self._new_uow() as uow:
            events = await load_events(uow.session, seqs)
            done, failed, made = await expand_events(
                uow.session, self.expanders, events, now, isolated=True, known=known
            )
            return await self._finish(uow, done, failed, made, now)

    async def _finish(
        self,
        uow: UnitOfWork,
        done: list[int],
        failed: list[FailedExpansion],
        made: int,
        now: datetime,
    ) -> tuple[int, int]:
        """Mark ``done`` expanded and count ``failed``, and commit: ``_expand``'s answer."""
        if await mark_expanded(uow.session, self.owner, done, now) != len(done):
            # Our lease ran out and another dispatcher took some: it expands them.
            log.warning("outbox.expansion_lease_lost", extra={"events": len(done)})
            return 0, 0
        set_aside = [
            each
            for each in failed
            if await record_expand_failure(uow.session, self.owner, each, now)
        ]
        await uow.commit()
        self.tally.events_set_aside += len(set_aside)
        OUTBOX_SET_ASIDE.inc(len(set_aside))
        return len(done) + len(set_aside), made

    async def deliver_once(self, now: datetime | None = None) -> int:
        """Claim up to BATCH due deliveries and attempt them side by side; how many."""
        now = now or utc_now()
        async with self._new_uow() as uow:
            ids = await claim_deliveries(uow.session, self.owner, now, LEASE, BATCH, self.senders)
            claimed = (
                (await uow.session.scalars(select(Delivery).where(Delivery.id.in_(ids)))).all()
                if ids
                else []
            )
            await uow.commit()
        await asyncio.gather(*(self._attempt(delivery) for delivery in claimed))
        return len(claimed)

    async def _attempt(self, delivery: Delivery) -> None:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.attempt_limit_s):
                outcome = await self.senders[delivery.channel].send(delivery)
        except TimeoutError:
            outcome = Outcome.retry(None, "no answer within the attempt's time limit")
        except Exception as error:
            log.exception("outbox.sender_failed", extra={"channel": delivery.channel})
            outcome = Outcome.retry(None, f"internal error: {type(error).__name__}")
        duration_ms = int((time.monotonic() - started) * 1000)
        try:
            await self._record(delivery, outcome, duration_ms)
        except Exception:
            # The claim runs out and the delivery is attempted again: a duplicate the
            # receiver drops by its id, never a loss.
            log.exception("outbox.record_failed", extra={"delivery": delivery.id})

    async def _record(self, delivery: Delivery, outcome: Outcome, duration_ms: int) -> None:
        now = utc_now()
        attempts = delivery.attempts + 1
        values: dict[str, object] = {
            "attempts": attempts,
            "last_status": outcome.status,
            "last_error": outcome.error,
            "lease_owner": None,
            "lease_until": None,
        }
        wait = None if outcome.result is Result.PERMANENT else retry_delay(attempts, self.schedule)
        if outcome.result is Result.DELIVERED:
            values.update(status=DELIVERED, delivered_at=now)
        elif wait is None:
            values.update(status=FAILED)
        else:
            values.update(status=PENDING, next_attempt_at=now + timedelta(seconds=wait))
        forget = self.forget.get(delivery.channel)
        if forget is not None and values["status"] != PENDING:
            values["payload"] = forget(delivery.payload)
        async with self._new_uow() as uow:
            await uow.session.execute(
                insert(table_of(DeliveryAttempt)).values(
                    delivery_id=delivery.id,
                    at=now,
                    status_code=outcome.status,
                    error=outcome.error,
                    duration_ms=duration_ms,
                )
            )
            held = await uow.session.execute(
                update(table_of(Delivery))
                .where(Delivery.id == delivery.id, Delivery.lease_owner == self.owner)
                .values(**values)
            )
            if held.rowcount == 0:  # type: ignore[attr-defined]
                log.warning("outbox.delivery_lease_lost", extra={"delivery": delivery.id})
                return
            hook = self.given_up.get(delivery.channel)
            if values["status"] == FAILED and hook is not None:
                await hook(uow, delivery, outcome)
            await uow.commit()
        result = RETRIED if values["status"] == PENDING else str(values["status"])
        self.tally.attempts[(delivery.channel, result)] += 1
        OUTBOX_ATTEMPTS.labels(delivery.channel, result).inc()

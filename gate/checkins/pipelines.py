"""One check-in pipeline per gate across the platform's processes: which process decides a
gate's check-ins, by a lease in the database (gate/checkins/leases.py).

A process routes each gathered batch of a gate: it decides it itself if it holds the gate's
lease; else, if the lease is free (never taken, expired, or given back), it takes it; else it
forwards the batch to the holder's address (gate/checkins/relay.py). A holder that cannot be
reached, or says it is not the holder, is replaced (``take_over``): the fencing epoch, checked
by every batch transaction, keeps a holder that is only slow from deciding beside its
successor. Leases held are renewed together, one statement every third of their term, and
given back at a graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta

from gate.checkins.leases import Lease, Seen, release, renew, seen, take
from gate.domain.time import utc_now
from gate.store.leases import lease_owner_name
from gate.store.unit_of_work import UnitOfWork

log = logging.getLogger("gate.checkins")

# How long a lease holds unless renewed: a holder that died silently delays its gates' check-ins
# this long at most (one that stops gracefully gives them back at once; one whose address
# refuses connections is replaced at the next batch).
LEASE = timedelta(seconds=10)
_TAKE_TRIES = 3  # racing takers: one wins each round, and the others forward to it


class Pipelines:
    """This process's leases on gates' check-in pipelines. ``address``: where this process
    takes forwarded batches, written into the leases it takes (empty: nowhere; the others
    then take a gate over when they have its check-ins)."""

    def __init__(
        self, new_uow: Callable[[], UnitOfWork], *, term: timedelta = LEASE, address: str = ""
    ) -> None:
        self._new_uow = new_uow
        self.term = term
        self.address = address
        self.holder = lease_owner_name()
        self._held: dict[str, Lease] = {}
        self._renewing: asyncio.Task[None] | None = None

    def held(self, gate_id: str) -> Lease | None:
        """The gate's lease, if this process believes it holds it."""
        return self._held.get(gate_id)

    def holds_any(self) -> bool:
        """Whether this process believes it decides some gate's check-ins (the live
        projector then prefers another process: gate/live/projector.py)."""
        return bool(self._held)

    async def route(self, gate_id: str) -> Lease | Seen:
        """This process's lease on the gate (held, or taken now since it was free), or the
        lease row of the process that holds it. Costs no query while the lease is held."""
        lease = self._held.get(gate_id)
        if lease is not None:
            return lease
        for _ in range(_TAKE_TRIES):
            async with self._new_uow() as uow:
                row = await seen(uow.session, gate_id)
                now = utc_now()
                if row is not None and row.holder != self.holder and row.expires_at > now:
                    return row
                lease = await take(
                    uow.session, gate_id, self.holder, self.address, now + self.term, row
                )
                await uow.commit()
            if lease is not None:
                self._hold(lease)
                return lease
        raise ConnectionError(f"the check-in lease of gate {gate_id} keeps changing hands")

    async def take_over(self, gate_id: str, after: Seen) -> None:
        """Take the gate's lease from a holder that cannot be reached (or says it does not
        hold it), if nobody changed it since ``after``. Waits for its batches in flight."""
        async with self._new_uow() as uow:
            lease = await take(
                uow.session, gate_id, self.holder, self.address, utc_now() + self.term, after
            )
            await uow.commit()
        if lease is not None:
            log.warning(
                "checkins.pipeline_taken_over", extra={"gate": gate_id, "from": after.holder}
            )
            self._hold(lease)

    def lost(self, lease: Lease) -> None:
        """A batch found ``lease`` taken over: route the gate's next batch afresh."""
        if self._held.get(lease.gate_id) == lease:
            del self._held[lease.gate_id]
            log.warning("checkins.pipeline_lost", extra={"gate": lease.gate_id})

    def _hold(self, lease: Lease) -> None:
        self._held[lease.gate_id] = lease
        if self._renewing is None or self._renewing.done():
            self._renewing = asyncio.create_task(self._renew_forever())

    async def _renew_forever(self) -> None:
        """Every third of the term, extend the leases held; forget those taken over."""
        while self._held:
            await asyncio.sleep(self.term.total_seconds() / 3)
            try:
                async with self._new_uow() as uow:
                    renewed = await renew(uow.session, self.holder, utc_now() + self.term)
                    await uow.commit()
            except Exception:
                # Not renewed this time: still ours until it expires, and every batch checks.
                log.warning("checkins.pipeline_renewal_failed", exc_info=True)
                continue
            for gate_id, lease in list(self._held.items()):
                if renewed.get(gate_id) != lease.epoch:
                    self.lost(lease)

    async def release_all(self) -> None:
        """Give back every lease held (a graceful stop); the next process to route one of
        their gates takes it at once. A failure is logged: the leases then expire."""
        if self._renewing is not None:
            self._renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewing
        held, self._held = list(self._held.values()), {}
        if not held:
            return
        try:
            async with self._new_uow() as uow:
                await release(uow.session, held, utc_now())
                await uow.commit()
        except Exception:
            log.warning("checkins.pipeline_release_failed", exc_info=True)

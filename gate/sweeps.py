"""Periodic sweeps that move time-driven states on: no-shows and missed calls. Each runs in its
own short transaction; several processes may run them at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from gate.bookings.sweeps import sweep_expired_queue_entries, sweep_no_shows
from gate.domain.time import utc_now
from gate.queue.service import sweep_missed_calls
from gate.store.unit_of_work import UnitOfWork

log = logging.getLogger("gate.sweeps")


async def run_sweeps_once(new_uow: Callable[[], UnitOfWork]) -> dict[str, int]:
    counts = {}
    sweeps = (
        ("no_shows", sweep_no_shows),
        ("missed_calls", sweep_missed_calls),
        ("expired_queue_entries", sweep_expired_queue_entries),
    )
    for name, sweep in sweeps:
        async with new_uow() as uow:
            counts[name] = await sweep(uow, utc_now())
            await uow.commit()
    return counts


async def sweep_forever(new_uow: Callable[[], UnitOfWork], every_seconds: float) -> None:
    """Run the sweeps every few seconds until cancelled; a failed round is logged and retried."""
    while True:
        try:
            counts = await run_sweeps_once(new_uow)
            if any(counts.values()):
                log.info("sweeps.done", extra=counts)
        except Exception:
            log.exception("sweeps.failed")
        await asyncio.sleep(every_seconds)

"""Periodic sweeps that move time-driven states on (no-shows, missed calls, missed dispatch
orders, perishable loads forecast to spoil), issue last month's fee statements
(``gate/fees/statements.py``), keep the control yards fed from the waiting
yards (``gate/dispatch/sweeps.py``) and forget retry keys past their retention window
(``gate/retention.py``) and finished outbox deliveries and events past theirs
(``gate/outbox/retention.py``), and fold what changed into the statistics' rollups
(``gate/statistics/update.py``). Each runs in its own short transactions; several processes
may run them at once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from gate.bookings.sweeps import sweep_expired_queue_entries, sweep_no_shows
from gate.config import Settings
from gate.dispatch.sweeps import dispatch_all, sweep_missed_orders
from gate.domain.time import utc_now
from gate.driver_page.positions import sweep_positions
from gate.fees.statements import sweep_statements
from gate.outbox.retention import purge_outbox
from gate.retention import purge_checkin_records, purge_idempotency_records
from gate.statistics.update import update_statistics
from gate.store.unit_of_work import UnitOfWork
from gate.yard.service import sweep_missed_calls
from gate.yard.spoilage import sweep_spoil_risks

log = logging.getLogger("gate.sweeps")


async def run_sweeps_once(new_uow: Callable[[], UnitOfWork], settings: Settings) -> dict[str, int]:
    """One round of every sweep; how many rows each moved or deleted."""
    counts = {}
    sweeps = (
        ("no_shows", sweep_no_shows),
        ("missed_calls", sweep_missed_calls),
        ("expired_queue_entries", sweep_expired_queue_entries),
        ("missed_dispatch_orders", sweep_missed_orders),
        # After the queue's moves: a perishable load forecast to be called after its
        # spoil-by, told once to its enterprise (gate/yard/spoilage.py).
        ("spoil_risks", sweep_spoil_risks),
        # Positions are personal data: gone POSITION_RETENTION after they were shared, and
        # as soon as the truck is at its gate.
        ("truck_positions", sweep_positions),
        # Last month's statements once it has ended, once (gate/fees/statements.py).
        ("fee_statements", sweep_statements),
    )
    for name, sweep in sweeps:
        async with new_uow() as uow:
            counts[name] = await sweep(uow, utc_now())
            await uow.commit()
    # After the missed orders and the queue's moves: the counts it reads are the fresh ones.
    counts["dispatch_orders"] = await dispatch_all(new_uow, utc_now())
    now = utc_now()
    counts["idempotency_records"] = await purge_idempotency_records(
        new_uow, now - settings.idempotency_key_retention
    )
    counts["checkin_records"] = await purge_checkin_records(
        new_uow, now - settings.device_event_retention
    )
    counts["outbox"] = await purge_outbox(new_uow, now - settings.outbox_retention)
    # Last: the sweeps' own moves (no-shows, missed calls) are in the rollups this round.
    counts["statistics"] = await update_statistics(new_uow)
    return counts


async def sweep_forever(new_uow: Callable[[], UnitOfWork], settings: Settings) -> None:
    """Run the sweeps every GATE_SWEEP_SECONDS until cancelled; a failed round is logged and
    retried."""
    while True:
        try:
            counts = await run_sweeps_once(new_uow, settings)
            if any(counts.values()):
                log.info("sweeps.done", extra=counts)
        except Exception:
            log.exception("sweeps.failed")
        await asyncio.sleep(settings.sweep_seconds)

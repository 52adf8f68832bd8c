"""The console's outbox panel: what is going out about the gate's trucks (webhooks to
enterprises, messages to drivers and users), for the officers to see a stuck outbox before
the phone rings. Counts only: no enterprise's name, no URL, no address or text, which are
the enterprises' and the people's (gate/outbox/depth.py reads them in one statement)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from gate.outbox.depth import gate_outbox
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class OutboxPanel:
    """The panel's figures: deliveries ``waiting``; the longest-waiting due one's wait in
    whole minutes (``oldest_minutes``, None when none is due); given up in the last 24 hours
    (``failed``); webhook receivers disabled that the gate's events were going to
    (``endpoints_disabled``)."""

    waiting: int
    oldest_minutes: int | None
    failed: int
    endpoints_disabled: int


async def outbox_panel(uow: UnitOfWork, gate_id: str, now: datetime) -> OutboxPanel:
    """The panel of the gate ``gate_id`` at ``now``."""
    figures = await gate_outbox(uow.session, gate_id, now)
    oldest = None
    if figures.oldest_due is not None:
        oldest = max(0, math.floor((now - figures.oldest_due).total_seconds() / 60))
    return OutboxPanel(figures.waiting, oldest, figures.failed_recently, figures.disabled_endpoints)

"""Expanding claimed outbox events into deliveries (gate/outbox/dispatcher.py): every expander
asked for each event, the deliveries inserted, in the transaction that then marks the events
expanded.

A round's events are expanded in one go; only when one fails are they expanded again, each in
a savepoint of its own (two round trips an event, the bulk of an expansion's cost), so that
the failed one is counted and the others go on. The failed one is not asked again in that
round: a failure counts once a round, and the event is tried again after its lease
(gate/outbox/poison.py).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gate.outbox.deliveries import insert_deliveries
from gate.outbox.poison import FailedExpansion, expand_error, failed_at
from gate.outbox.protocols import Expander, NewDelivery
from gate.store.tables import OutboxEvent

log = logging.getLogger("gate.outbox")


async def expand_events(
    session: AsyncSession,
    expanders: Sequence[Expander],
    events: Sequence[OutboxEvent],
    now: datetime,
    *,
    isolated: bool = False,
    known: FailedExpansion | None = None,
) -> tuple[list[int], list[FailedExpansion], int]:
    """Expand ``events`` (but ``known``, which failed already this round): the seqs
    done, the failures, how many deliveries were made. Not ``isolated``, the first
    failure is raised (``FirstFailure``)."""
    done: list[int] = []
    failed = [known] if known is not None else []
    made = 0
    for event in events:
        # Read before the savepoint: its rollback expires the row.
        seq, name, tries = event.seq, event.name, event.expand_attempts
        if known is not None and seq == known.seq:
            continue
        step: object = "insert"
        try:
            async with session.begin_nested() if isolated else contextlib.nullcontext():
                wanted: list[NewDelivery] = []
                for expander in expanders:
                    step = expander
                    wanted += await expander.expand(session, event)
                step = "insert"
                await insert_deliveries(session, event, wanted, now)
                made += len(wanted)
        except Exception as error:
            kept = expand_error(step, error)
            # Without the exception's message (it may quote personal data).
            log.error(
                "outbox.expand_failed",
                extra={"seq": seq, "error": kept, "at": failed_at(error)},
            )
            failure = FailedExpansion(seq, name, tries, kept)
            if not isolated:
                raise FirstFailure(failure) from error
            failed.append(failure)
            continue
        done.append(seq)
    return done, failed, made


class FirstFailure(Exception):
    """An expansion failed while a round expanded its events in one go."""

    def __init__(self, failure: FailedExpansion) -> None:
        super().__init__(failure.seq)
        self.failure = failure


async def load_events(session: AsyncSession, seqs: Sequence[int]) -> Sequence[OutboxEvent]:
    """The events ``seqs``, in order."""
    query = select(OutboxEvent).where(OutboxEvent.seq.in_(seqs)).order_by(OutboxEvent.seq)
    return (await session.scalars(query)).all()

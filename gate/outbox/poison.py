"""An outbox event an expander keeps failing on (a poison event) is set aside, so that it
never holds its booking's later deliveries for good (docs/architecture.md, "The outbox").

Each failed expansion counts on the event's row (``expand_attempts``) with its error (the
expander's and the exception's class names: an exception's message may quote a plate or a
phone, so it is not kept). The failed event keeps its claim until the lease ends and is tried
again then, by whichever dispatcher claims it; at the ``EXPAND_TRIES``-th failure it is marked
expanded with its error and without deliveries, logged (its seq and name, no payload) and
counted. Later deliveries of its booking then go on; the set-aside event's own deliveries
are never made (an operator reads ``expand_error`` and the log to mend the expander).
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from gate.store.tables import OutboxEvent
from gate.store.tables.base import table_of

log = logging.getLogger("gate.outbox")

# Failed expansions before an event is set aside: with the 60 s lease between tries, a
# passing fault (the database between two statements, a restart) has about five minutes to
# clear, during which its booking's later deliveries wait.
EXPAND_TRIES = 5

_events = table_of(OutboxEvent)


def failed_at(error: BaseException) -> str:
    """Where ``error`` was raised: the innermost frame's file, line and function, for the
    log. Not its message, nor a full traceback's: an exception's message may quote a plate
    or a phone (an expander reads bookings and drivers)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f"{last.filename}:{last.lineno} in {last.name}"


def expand_error(where: object, error: BaseException) -> str:
    """What is kept of a failed expansion: ``ExpanderClass: ExceptionClass`` (``where``: the
    expander, or a step named by a string, such as ``insert``)."""
    step = where if isinstance(where, str) else type(where).__name__
    return f"{step}: {type(error).__name__}"[:300]


@dataclass(frozen=True)
class FailedExpansion:
    """An event's expansion that failed: its ``seq`` and ``name``, its failed expansions
    before this one (``tries_before``), and the ``error`` to keep (``expand_error``)."""

    seq: int
    name: str
    tries_before: int
    error: str


async def record_expand_failure(
    session: AsyncSession, owner: str, failed: FailedExpansion, now: datetime
) -> bool:
    """Count a failed expansion of an event held by ``owner``; at the ``EXPAND_TRIES``-th,
    set it aside (expanded at ``now``, its claim released). Whether it was set aside.
    Nothing is changed when ``owner`` no longer holds the event. The caller commits."""
    tries = failed.tries_before + 1
    error = failed.error
    values: dict[str, object] = {"expand_attempts": tries, "expand_error": error}
    set_aside = tries >= EXPAND_TRIES
    if set_aside:
        values.update(expanded_at=now, lease_owner=None, lease_until=None)
    result = await session.execute(
        update(_events)
        .where(_events.c.seq == failed.seq, _events.c.lease_owner == owner)
        .values(**values)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    if set_aside:
        log.error(
            "outbox.event_set_aside",
            extra={"seq": failed.seq, "event": failed.name, "tries": tries, "error": error},
        )
    return set_aside

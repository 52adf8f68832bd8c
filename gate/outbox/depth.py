"""How deep the outbox is, read for the metrics and the officers' console, each in ONE
statement: a scrape or a page costs one round trip, however many figures it shows.

``outbox_depth``: platform-wide, for /metrics (services/common/metrics.py). ``gate_outbox``:
for one gate's console, counts only (no enterprise, URL or address)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from gate.outbox.claims import FAILED, PENDING
from gate.store.tables import Delivery, OutboxEvent, WebhookEndpoint
from gate.store.tables.base import table_of

_events = table_of(OutboxEvent)
_deliveries = table_of(Delivery)
_endpoints = table_of(WebhookEndpoint)

# "Failed lately" on the console: given up within this long.
RECENT = timedelta(hours=24)


@dataclass(frozen=True)
class Depth:
    """The outbox now. ``unexpanded``: events not yet turned into deliveries; ``pending``:
    deliveries still to make, by channel; ``oldest_due``: by channel, the due time of the
    longest-waiting delivery whose time has come (a channel with none due is absent);
    ``failing``: unexpanded events whose expansion failed at least once (to be tried again,
    then set aside: gate/outbox/poison.py); ``disabled_endpoints``: webhook endpoints
    disabled."""

    unexpanded: int = 0
    pending: dict[str, int] = field(default_factory=dict)
    oldest_due: dict[str, datetime] = field(default_factory=dict)
    failing: int = 0
    disabled_endpoints: int = 0


async def outbox_depth(session: AsyncSession, now: datetime) -> Depth:
    """The outbox's ``Depth`` at ``now``, in one statement (a UNION ALL of grouped counts,
    each along an index: ``(expanded_at, seq)``, ``(status, next_attempt_at)``)."""
    due = case((_deliveries.c.next_attempt_at <= now, _deliveries.c.next_attempt_at))
    rows = await session.execute(
        union_all(
            # First: a UNION's columns take their types from its first SELECT (the due time
            # is read back as an aware UTC time).
            select(
                literal("pending").label("what"),
                _deliveries.c.channel,
                func.count(),
                func.min(due),
            )
            .where(_deliveries.c.status == PENDING)
            .group_by(_deliveries.c.channel),
            select(literal("unexpanded"), null(), func.count(), null()).where(
                _events.c.expanded_at.is_(None)
            ),
            select(literal("failing"), null(), func.count(), null()).where(
                _events.c.expanded_at.is_(None), _events.c.expand_error.is_not(None)
            ),
            select(literal("disabled"), null(), func.count(), null()).where(
                _endpoints.c.enabled.is_(False)
            ),
        )
    )
    unexpanded = failing = disabled = 0
    pending: dict[str, int] = {}
    oldest: dict[str, datetime] = {}
    for what, channel, count, first_due in rows.all():
        if what == "unexpanded":
            unexpanded = int(count)
        elif what == "failing":
            failing = int(count)
        elif what == "disabled":
            disabled = int(count)
        else:
            pending[str(channel)] = int(count)
            if first_due is not None:
                oldest[str(channel)] = _aware(first_due)
    return Depth(unexpanded, pending, oldest, failing, disabled)


@dataclass(frozen=True)
class GateOutbox:
    """The outbox of one gate's events, for its console: ``waiting``: deliveries (webhooks
    and messages) still to make; ``oldest_due``: the due time of the longest-waiting one
    whose time has come, None if none; ``failed_recently``: given up within ``RECENT``
    (their last attempt's due time); ``disabled_endpoints``: disabled webhook endpoints
    that this gate's events were going to."""

    waiting: int
    oldest_due: datetime | None
    failed_recently: int
    disabled_endpoints: int


async def gate_outbox(session: AsyncSession, gate_id: str, now: datetime) -> GateOutbox:
    """``GateOutbox`` of the gate ``gate_id`` at ``now``, in one statement of scalar
    subqueries (each from the deliveries' status index, joined to their events by key)."""
    of_gate = _deliveries.join(_events, _events.c.seq == _deliveries.c.event_seq)
    here = _events.c.gate_id == gate_id
    pending = select(func.count()).select_from(of_gate).where(here, _deliveries.c.status == PENDING)
    oldest = (
        select(func.min(_deliveries.c.next_attempt_at))
        .select_from(of_gate)
        .where(here, _deliveries.c.status == PENDING, _deliveries.c.next_attempt_at <= now)
    )
    failed = (
        select(func.count())
        .select_from(of_gate)
        .where(here, _deliveries.c.status == FAILED, _deliveries.c.next_attempt_at >= now - RECENT)
    )
    disabled = (
        select(func.count(func.distinct(_deliveries.c.endpoint_id)))
        .select_from(of_gate.join(_endpoints, _endpoints.c.id == _deliveries.c.endpoint_id))
        .where(here, _endpoints.c.enabled.is_(False))
    )
    row = (
        await session.execute(
            select(
                pending.scalar_subquery(),
                oldest.scalar_subquery(),
                failed.scalar_subquery(),
                disabled.scalar_subquery(),
            )
        )
    ).one()
    first = _aware(row[1]) if row[1] is not None else None
    return GateOutbox(int(row[0]), first, int(row[2]), int(row[3]))


def _aware(moment: datetime | str) -> datetime:
    """A time from an aggregate: SQLite hands MIN() of a datetime back as text, naive."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment

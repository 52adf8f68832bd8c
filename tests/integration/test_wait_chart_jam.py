"""The board's wait chart rises during a jam (issue 17, a breaker's finding: keyed by the
check-in's hour, the latest hours held only the trucks already called, the quick ones, and
the line fell as the queue grew). On both databases.

The jam: from 00:00 UTC, 10 regular trucks an hour check in and are called in order, 8 an
hour, so each waits 1.5 min longer than the one before; 5 perishable trucks an hour are called
2 minutes after they check in. The rollups are what ``contributions`` makes of those rows,
added as the job adds them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from gate.domain.statistics import BookingFacts, Measure, contributions, total
from gate.live.wait_chart import wait_chart
from gate.statistics.reads import Grain, Scope, distributions
from gate.statistics.rows import add_to_rollups
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork

START = datetime(2026, 7, 6, 0, tzinfo=UTC)
NOW = START + timedelta(hours=6, minutes=10)


def _truck(gate_id: str, arrived: datetime, called: datetime, queue_class: str) -> BookingFacts:
    return BookingFacts(
        gate_id=gate_id,
        direction="import",
        slot_start=arrived.replace(minute=0),
        status="called",
        perishable=queue_class == "perishable",
        queue_class=queue_class,
        walk_in=False,
        arrived_at=arrived,
        called_at=called,
    )


def jam(gate_id: str) -> list[BookingFacts]:
    """The trucks called by NOW (the others are still waiting: not counted yet)."""
    trucks = []
    for r in range(60):
        called = START + timedelta(minutes=5 + 7.5 * r)
        if called <= NOW:
            trucks.append(_truck(gate_id, START + timedelta(minutes=6 * r), called, "regular"))
    for hour in range(6):
        for k in range(5):
            arrived = START + timedelta(hours=hour, minutes=12 * k + 1)
            trucks.append(_truck(gate_id, arrived, arrived + timedelta(minutes=2), "perishable"))
    return trucks


async def test_the_board_chart_rises_while_the_queue_grows(uow: UnitOfWork):
    gate_id = await uow.session.scalar(select(Gate.id).where(Gate.code == "tan-thanh"))
    assert gate_id is not None
    await add_to_rollups(uow.session, total(contributions(t) for t in jam(gate_id)))
    await uow.session.flush()

    charts = {c.direction: c for c in await wait_chart(uow.session, gate_id, NOW)}
    bars = {h.hour: h for h in charts["import"].hours}
    hours = [START + timedelta(hours=h) for h in range(6)]
    medians = [bars[h].median_minutes for h in hours]
    assert all(m is not None for m in medians)
    assert medians == sorted(medians)  # never falls while the queue grows
    last = bars[hours[-1]]
    # The trucks called in the last full hour had waited an hour and more: its band says so.
    assert last.median_from is not None and last.median_from >= 60
    assert last.median_to is not None and last.median_from < last.median_to
    assert last.complete and not bars[START + timedelta(hours=6)].complete

    # Keyed by the check-in's hour (the typical week's key), the same trucks' last full hour
    # reads a wait of a few minutes: what the board drew before.
    scope = Scope(START, START + timedelta(hours=7), gate_id, "import")
    by_check_in = dict(await distributions(uow.session, Measure.WAIT_FOR_CALL, scope, Grain.HOUR))
    late = by_check_in[hours[-1]].band(0.5)
    assert late is not None and late.high is not None and late.high <= 5

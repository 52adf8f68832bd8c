"""Migration 0031_fee_statistics: the fees' daily totals start empty; fees fixed before it (a
database that ran 0027 alone, or one downgraded and upgraded again) are folded in by the next
job run, since the upgrade folds afresh (every rollup emptied, every gate's mark back to 0)
when there is a fee, and only then. On both databases."""

from __future__ import annotations

from sqlalchemy import select

from gate.config import Settings
from gate.store.migrate import downgrade, upgrade
from gate.store.tables import StatisticsHour, StatisticsMark, statistics_fee_days
from gate.store.unit_of_work import UnitOfWork
from tests.fees import make_schedule
from tests.helpers import Api, tomorrow_at
from tests.integration.test_fee_statistics import _fold
from tests.integration.test_migrations import _in_thread, empty_database  # noqa: F401
from tests.integration.test_vehicle_holders_migration import _execute


async def _fee_days(uow: UnitOfWork) -> list[tuple[object, ...]]:
    await uow.session.rollback()
    table = statistics_fee_days
    query = select(table.c.gate_id, table.c.direction, table.c.fixed, table.c.fixed_vnd)
    return [tuple(row) for row in await uow.session.execute(query)]


async def _hours(uow: UnitOfWork) -> list[tuple[object, ...]]:
    await uow.session.rollback()
    query = select(StatisticsHour.gate_id, StatisticsHour.hour, StatisticsHour.made)
    return sorted(tuple(row) for row in await uow.session.execute(query))


async def test_fees_fixed_before_the_upgrade_are_folded_in_after_it(
    api: Api, settings: Settings, uow: UnitOfWork
) -> None:
    await make_schedule(settings)
    enterprise = await api.enterprise()
    for _ in range(2):
        assert (await enterprise.book(tomorrow_at(9))).status_code == 201
    await _fold(settings)
    before = await _fee_days(uow)
    assert len(before) == 1 and before[0][2] == 2
    hours = await _hours(uow)
    await uow.session.rollback()
    await uow.session.close()

    _in_thread(downgrade, settings.database_url, "0027_fees")
    _in_thread(upgrade, settings.database_url)
    assert await _fee_days(uow) == [] and await _hours(uow) == []
    marks = await uow.session.scalars(select(StatisticsMark.seq).where(StatisticsMark.chain != "*"))
    assert set(marks) == {0}
    await uow.session.rollback()
    await _fold(settings)
    assert await _fee_days(uow) == before
    assert await _hours(uow) == hours  # folded afresh: the bookings counted once


async def test_without_a_fee_the_marks_stay_where_they_were(
    empty_database: str,  # noqa: F811
) -> None:
    _in_thread(upgrade, empty_database, "0027_fees")
    await _execute(
        empty_database,
        "INSERT INTO statistics_marks (chain, seq) VALUES ('*', 0), ('g1', 41)",
    )
    _in_thread(upgrade, empty_database)
    marks = await _execute(empty_database, "SELECT chain, seq FROM statistics_marks ORDER BY 1")
    assert [tuple(r) for r in marks] == [("*", 0), ("g1", 41)]
    assert await _execute(empty_database, "SELECT * FROM statistics_fee_days") == []

"""Migrations 0014_statistics_counts and 0015. 0014 adds the turned-back and expired counts
(0 on the rows there) and sends every gate's mark back to the chain's start, so the job folds
every booking again with what it now counts; the rebuild's ``*`` row stays. 0015 makes the
daily tiers and folds afresh. On both databases."""

from __future__ import annotations

from gate.store.migrate import upgrade
from tests.integration.test_migrations import _in_thread, empty_database  # noqa: F401
from tests.integration.test_vehicle_holders_migration import _execute

HOURS = (
    "INSERT INTO statistics_hours (gate_id, direction, hour, queue_class, made, cancelled, "
    "lapsed, walk_ins, checked_in, called, exited) VALUES "
)


async def test_the_upgrade_counts_zero_where_nothing_was_counted_and_folds_again(
    empty_database: str,  # noqa: F811
):
    _in_thread(upgrade, empty_database, "0013")
    await _execute(
        empty_database,
        HOURS + "('g1', 'export', '2026-11-30 08:00:00+00:00', 'regular', 3, 1, 0, 0, 2, 2, 1)",
        "INSERT INTO statistics_marks (chain, seq) VALUES ('*', 0), ('g1', 41), ('g2', 7)",
    )
    _in_thread(upgrade, empty_database, "0014_statistics_counts")
    rows = await _execute(
        empty_database, "SELECT made, exited, turned_back, expired FROM statistics_hours"
    )
    assert [tuple(r) for r in rows] == [(3, 1, 0, 0)]
    marks = await _execute(empty_database, "SELECT chain, seq FROM statistics_marks ORDER BY 1")
    assert [tuple(r) for r in marks] == [("*", 0), ("g1", 0), ("g2", 0)]


async def test_the_tiers_start_empty_with_every_rollup_folded_afresh(
    empty_database: str,  # noqa: F811
):
    """0015 creates the daily and weekday-hour rollups empty: it empties the hourly ones and
    each booking's last contributions too and sends every mark back to 0, so the next fold
    adds each booking whole to every table, none out of step with another."""
    _in_thread(upgrade, empty_database, "0014_statistics_counts")
    await _execute(
        empty_database,
        HOURS + "('g1', 'export', '2026-11-30 08:00:00+00:00', 'regular', 3, 1, 0, 0, 2, 2, 1)",
        "INSERT INTO statistics_bookings (booking_id, folded) VALUES ('b1', '{}')",
        "INSERT INTO statistics_marks (chain, seq) VALUES ('*', 0), ('g1', 41)",
    )
    _in_thread(upgrade, empty_database)
    for table in ("statistics_hours", "statistics_bookings", "statistics_days"):
        assert await _execute(empty_database, f"SELECT * FROM {table}") == [], table
    marks = await _execute(empty_database, "SELECT chain, seq FROM statistics_marks ORDER BY 1")
    assert [tuple(r) for r in marks] == [("*", 0), ("g1", 0)]

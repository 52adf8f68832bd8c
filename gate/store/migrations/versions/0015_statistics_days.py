"""the statistics' rollups per local day and per local month's weekday-hours, beside the
hourly ones

Revision ID: 0015
Revises: 0014_statistics_counts
Create Date: 2026-12-06 09:00:00

Issue 17, its benchmark: a year read from the hourly rollups is 125,000 to 300,000 bucket
rows per measure (docs/benchmarks.md, "Statistics over a year"). ``statistics_days`` (the
hourly counts summed per local day), ``statistics_day_times`` (the time buckets per local
day) and ``statistics_weekday_hours`` (the time buckets per local month, weekday and hour of
day, not per class: the typical week). Created empty, so the upgrade also empties the hourly
rollups and each booking's last contributions and sets every gate's mark back to 0 (as 0014
does): the next fold (each sweep round, or ``gate statistics update``) then reads every chain
from its start and adds each booking's whole contributions to every tier at once, with
nothing to take away; ``gate statistics rebuild`` does the same at once (and also folds
bookings whose chain entries retention removed). Without it the job would add to the new
tables only the change of each booking refolded, against rows that were never there. A
downgrade drops them (the hourly rollups, kept whole by the job, stay right).

The count columns are those of ``statistics_hours`` at 0014; a migration that adds a count
there adds it to ``statistics_days`` too (the model builds both from ``COUNTS``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014_statistics_counts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = (
    "made",
    "cancelled",
    "lapsed",
    "walk_ins",
    "checked_in",
    "called",
    "exited",
    "turned_back",
    "expired",
)


def _fold_afresh() -> None:
    # Every tier empty and every booking's last contributions forgotten, so the next fold adds
    # each booking whole to all of them; the "*" mark is the rebuild's lock, not a chain.
    op.execute("DELETE FROM statistics_bookings")
    op.execute("DELETE FROM statistics_times")
    op.execute("DELETE FROM statistics_hours")
    op.execute("UPDATE statistics_marks SET seq = 0 WHERE chain <> '*'")


def _key(period: str, *, by_class: bool = True) -> list[sa.Column[object]]:
    key: list[sa.Column[object]] = [
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column(period, sa.DateTime(timezone=True), nullable=False),
    ]
    if by_class:
        key.append(sa.Column("queue_class", sa.String(length=12), nullable=False))
    return key


def _sums() -> list[sa.Column[object]]:
    return [
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "statistics_days",
        *_key("day"),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.PrimaryKeyConstraint(
            "gate_id", "direction", "day", "queue_class", name=op.f("pk_statistics_days")
        ),
    )
    op.create_index("ix_statistics_days_day", "statistics_days", ["day"])
    op.create_table(
        "statistics_day_times",
        *_key("day"),
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint(
            "gate_id",
            "direction",
            "day",
            "queue_class",
            "measure",
            "bucket",
            name=op.f("pk_statistics_day_times"),
        ),
    )
    op.create_index(
        "ix_statistics_day_times_measure_gate_day",
        "statistics_day_times",
        ["measure", "gate_id", "day"],
        postgresql_include=["direction", "queue_class", "bucket", "count", "seconds"],
    )
    op.create_table(
        "statistics_weekday_hours",
        *_key("month", by_class=False),
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("local_hour", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint(
            "gate_id",
            "direction",
            "month",
            "measure",
            "weekday",
            "local_hour",
            "bucket",
            name=op.f("pk_statistics_weekday_hours"),
        ),
    )
    op.create_index(
        "ix_statistics_weekday_hours_measure_gate_month",
        "statistics_weekday_hours",
        ["measure", "gate_id", "month"],
        postgresql_include=[
            "direction",
            "weekday",
            "local_hour",
            "bucket",
            "count",
            "seconds",
        ],
    )
    _fold_afresh()


def downgrade() -> None:
    op.drop_index(
        "ix_statistics_weekday_hours_measure_gate_month", table_name="statistics_weekday_hours"
    )
    op.drop_table("statistics_weekday_hours")
    op.drop_index("ix_statistics_day_times_measure_gate_day", table_name="statistics_day_times")
    op.drop_table("statistics_day_times")
    op.drop_index("ix_statistics_days_day", table_name="statistics_days")
    op.drop_table("statistics_days")

"""the statistics' rollups per local day and per local month's weekday-hours, beside the
hourly ones

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 09:00:00

Issue 17, its benchmark: a year read from the hourly rollups is 125,000 to 300,000 bucket
rows per measure (docs/benchmarks.md, "Statistics over a year"). ``statistics_days`` (the
hourly counts summed per local day), ``statistics_day_times`` (the time buckets per local
day) and ``statistics_weekday_hours`` (the time buckets per local month, weekday and hour of
day, not per class: the typical week). Created empty: ``gate statistics rebuild`` fills them
(as it does the hourly ones) on a database that already has statistics; until then the reads
over long windows find nothing, so run it after upgrading. A downgrade drops them.

The count columns are those of ``statistics_hours`` at 0013; a migration that adds a count
there adds it to ``statistics_days`` too (the model builds both from ``COUNTS``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("made", "cancelled", "lapsed", "walk_ins", "checked_in", "called", "exited")


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


def downgrade() -> None:
    op.drop_index(
        "ix_statistics_weekday_hours_measure_gate_month", table_name="statistics_weekday_hours"
    )
    op.drop_table("statistics_weekday_hours")
    op.drop_index("ix_statistics_day_times_measure_gate_day", table_name="statistics_day_times")
    op.drop_table("statistics_day_times")
    op.drop_index("ix_statistics_days_day", table_name="statistics_days")
    op.drop_table("statistics_days")

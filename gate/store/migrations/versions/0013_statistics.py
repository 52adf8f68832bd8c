"""the statistics' rollups: hourly counts, time distributions, what each booking was counted
as, and how far each gate's audit chain was read

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 09:00:00

Issue 17: ``statistics_hours`` (counts per gate, direction, UTC hour and class),
``statistics_times`` (per the same key, a measure and a bucket: how many values and their sum
of seconds), ``statistics_bookings`` (each booking's last contributions, taken away when it
is folded again) and ``statistics_marks`` (the last audit seq folded in, per gate chain).
New tables only, empty: ``gate statistics rebuild`` fills them from an existing database (the
periodic job would too, reading every chain from its start). A downgrade drops them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = ("gate_id", "direction", "hour", "queue_class")


def _key_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queue_class", sa.String(length=12), nullable=False),
    ]


def upgrade() -> None:
    counts = ("made", "cancelled", "lapsed", "walk_ins", "checked_in", "called", "exited")
    op.create_table(
        "statistics_hours",
        *_key_columns(),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in counts),
        sa.PrimaryKeyConstraint(*_KEY, name=op.f("pk_statistics_hours")),
    )
    op.create_index("ix_statistics_hours_hour", "statistics_hours", ["hour"])
    op.create_table(
        "statistics_times",
        *_key_columns(),
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("bucket", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint(*_KEY, "measure", "bucket", name=op.f("pk_statistics_times")),
    )
    op.create_index("ix_statistics_times_measure_hour", "statistics_times", ["measure", "hour"])
    op.create_table(
        "statistics_bookings",
        sa.Column("booking_id", sa.String(length=36), nullable=False),
        sa.Column("folded", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_statistics_bookings")),
    )
    op.create_table(
        "statistics_marks",
        sa.Column("chain", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_statistics_marks")),
    )


def downgrade() -> None:
    op.drop_table("statistics_marks")
    op.drop_table("statistics_bookings")
    op.drop_index("ix_statistics_times_measure_hour", table_name="statistics_times")
    op.drop_table("statistics_times")
    op.drop_index("ix_statistics_hours_hour", table_name="statistics_hours")
    op.drop_table("statistics_hours")

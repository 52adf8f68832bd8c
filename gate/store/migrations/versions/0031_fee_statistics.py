"""the fees' totals in the statistics: per gate, direction and local day

Revision ID: 0031_fee_statistics
Revises: 0030_fee_hold
Create Date: 2026-11-30 18:45:00

Issue 19, "the totals in the statistics": ``statistics_fee_days`` (fees fixed, money received
by provider and in cash, billed to statements, refunds owed, fees voided, still owed; what
each counts and on which day: gate/domain/fee_statistics.py), kept by the statistics' job and
rebuild beside the other rollups (gate/statistics/fee_rows.py).

Created empty. Fees made before it (0027 is of the same issue, so only a database that ran
0027 without this step has any) would never be counted, since nothing takes their bookings
back to the job: when there is a fee, every rollup is emptied with each booking's last
contributions and every gate's mark goes back to 0 (as 0015 does), so the next fold (each
sweep round, or ``gate statistics update``; ``gate statistics rebuild`` at once) adds each
booking whole, its fee's totals with it. Emptied rather than only re-read: a booking's last
contributions kept from before a downgrade already name its fee, and the job, finding them
unchanged, would add nothing. Without a fee, nothing to fold again. A downgrade drops the
table (the fees' part of each booking's last contributions is then unread).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031_fee_statistics"
down_revision: str | None = "0030_fee_hold"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# gate.domain.fee_statistics.FEE_COUNTS at this revision, written out so this step never
# changes.
FEE_COUNTS = (
    "fixed",
    "fixed_vnd",
    "paid_provider_vnd",
    "paid_cash_vnd",
    "statement_vnd",
    "refunded_vnd",
    "voided",
    "voided_vnd",
    "outstanding_vnd",
)


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "statistics_fee_days",
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("day", sa.DateTime(timezone=True), nullable=False),
        *(sa.Column(name, big, nullable=False) for name in FEE_COUNTS),
        sa.PrimaryKeyConstraint("gate_id", "direction", "day", name=op.f("pk_statistics_fee_days")),
    )
    op.create_index("ix_statistics_fee_days_day", "statistics_fee_days", ["day"])
    if op.get_bind().execute(sa.text("SELECT 1 FROM fees LIMIT 1")).first() is not None:
        op.execute("DELETE FROM statistics_bookings")
        op.execute("DELETE FROM statistics_times")
        op.execute("DELETE FROM statistics_hours")
        op.execute("DELETE FROM statistics_day_times")
        op.execute("DELETE FROM statistics_days")
        op.execute("DELETE FROM statistics_weekday_hours")
        op.execute("UPDATE statistics_marks SET seq = 0 WHERE chain <> '*'")


def downgrade() -> None:
    op.drop_index("ix_statistics_fee_days_day", table_name="statistics_fee_days")
    op.drop_table("statistics_fee_days")

"""cash receipts' numbers: a longer counter series for receipts beside invoices

Revision ID: 0030_fee_hold
Revises: 0029_fee_statements
Create Date: 2026-11-30 18:20:00

Issue 19, officers' cash with a receipt: receipt numbers come from the same per-series, per-year
counters as invoice numbers (gate/fees/invoices.py), under the series ``BL`` and the gate's
invoice series (gate.domain.receipts.receipt_series): up to 8 characters, so
``invoice_counters.series`` grows from 6 to 12. Nothing stored changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030_fee_hold"
down_revision: str | None = "0029_fee_statements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A batch on SQLite copies invoice_counters: a small table with no triggers.
    with op.batch_alter_table("invoice_counters", schema=None) as batch_op:
        batch_op.alter_column(
            "series",
            existing_type=sa.String(length=6),
            type_=sa.String(length=12),
            existing_nullable=False,
        )


def downgrade() -> None:
    # Receipts' counters do not fit the shorter column: they go with the receipts' series.
    op.execute(
        sa.text("DELETE FROM invoice_counters WHERE series LIKE 'BL%' AND length(series) > 6")
    )
    with op.batch_alter_table("invoice_counters", schema=None) as batch_op:
        batch_op.alter_column(
            "series",
            existing_type=sa.String(length=12),
            type_=sa.String(length=6),
            existing_nullable=False,
        )

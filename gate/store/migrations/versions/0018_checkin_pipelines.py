"""one check-in pipeline per gate: the gates' check-in leases

Revision ID: 0018_checkin_pipelines
Revises: 0017_queue_counts
Create Date: 2026-11-30 05:00:00

Issue 20: a gate's check-ins are decided by one batch loop at a time across the platform's
processes (gate/checkins/pipelines.py). ``checkin_pipelines`` holds each gate's lease: its
holder, the fencing epoch every batch checks, where the holder takes forwarded batches, and
until when. A new table only; a downgrade drops it (the leases are taken again at once).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_checkin_pipelines"
down_revision: str | None = "0017_queue_counts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkin_pipelines",
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("holder", sa.String(length=60), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_checkin_pipelines_gate_id_gates")
        ),
        sa.PrimaryKeyConstraint("gate_id", name=op.f("pk_checkin_pipelines")),
    )


def downgrade() -> None:
    op.drop_table("checkin_pipelines")

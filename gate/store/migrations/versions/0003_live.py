"""live boards: notices, paused gates, forecast

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 15:49:44.391656
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "notices",
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("posted_by", sa.String(length=36), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_notices_gate_id_gates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_gate_id"), ["gate_id"], unique=False)

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("predicted_call_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("inspection_started_at", sa.DateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("gates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("paused_reason", sa.String(length=300), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("gates", schema=None) as batch_op:
        batch_op.drop_column("paused_reason")
        batch_op.drop_column("paused")

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("inspection_started_at")
        batch_op.drop_column("predicted_call_at")

    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_gate_id"))

    op.drop_table("notices")

"""trailers: a booking carries its truck's trailer plate (one active booking per trailer too),
the trailer read at check-in when it differs, and camera reads waiting for an officer

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trailer_plate", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("active_trailer_plate", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("arrived_trailer_plate", sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_bookings_active_trailer_plate"), ["active_trailer_plate"]
        )

    op.create_table(
        "pending_reads",
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=True),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("plate_read", sa.String(length=40), nullable=False),
        sa.Column("candidate_ids", sa.Text(), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=36), nullable=True),
        sa.Column("booking_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_pending_reads_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_pending_reads_device_id_devices")
        ),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_pending_reads_gate_id_gates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_reads")),
    )
    with op.batch_alter_table("pending_reads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pending_reads_gate_resolved", ["gate_id", "resolved_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pending_reads", schema=None) as batch_op:
        batch_op.drop_index("ix_pending_reads_gate_resolved")
    op.drop_table("pending_reads")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_bookings_active_trailer_plate"), type_="unique")
        batch_op.drop_column("arrived_trailer_plate")
        batch_op.drop_column("active_trailer_plate")
        batch_op.drop_column("trailer_plate")

"""the yard queue's order as an index: a board reads the head of each class, not the yard

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 19:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "gate_id",
    "direction",
    "status",
    "queue_class",
    "queue_behind",
    "slot_start",
    "arrived_at",
    "id",
]


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index("ix_bookings_queue_order", COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_queue_order")

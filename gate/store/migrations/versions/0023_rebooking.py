"""fair rebooking: bookings.latest_acceptable_at, rebooked_from, rebooked_at,
rebooking_open_until

Revision ID: 0023_rebooking
Revises: 0022_partner_capacity
Create Date: 2026-11-30 15:30:00

Issue 18, "Fair rebooking" (docs/architecture.md): a booking may carry the latest hour its
enterprise accepts a move to, and a booking the gate moved remembers the hour it came from,
when, and until when the enterprise may accept or choose another hour. All nullable, no
default: every existing booking has no stated limit and was never moved. A batch on SQLite
(its ALTER TABLE drops no column), plain ALTER TABLE on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_rebooking"
down_revision: str | None = "0022_partner_capacity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("latest_acceptable_at", "rebooked_from", "rebooked_at", "rebooking_open_until")


def upgrade() -> None:
    with op.batch_alter_table("bookings") as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bookings") as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)

"""no-show accountability: an officer's excuse of a no-show

Revision ID: 0024_no_show_accountability
Revises: 0023_rebooking
Create Date: 2026-11-30 15:30:00

Issue 18: a booking that lapsed unused can be excused by an officer of its gate or the
administrator, with a reason (``bookings.no_show_excused_at``, ``no_show_excused_by``,
``no_show_excuse``); an excused no-show leaves the enterprise's no-show rate
(gate/domain/no_shows.py). Nothing to fill: no booking was excused before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_no_show_accountability"
down_revision: str | None = "0023_rebooking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("no_show_excused_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("no_show_excused_by", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("no_show_excuse", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("no_show_excuse")
        batch_op.drop_column("no_show_excused_by")
        batch_op.drop_column("no_show_excused_at")

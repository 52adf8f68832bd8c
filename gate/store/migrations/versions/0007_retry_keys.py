"""retry keys: a fingerprint of each device event, and the received_at index the purge scans

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00

Records stored before this migration keep a NULL fingerprint: their payload is not known any
more, so a retry of one replays its stored answer as it did before (the lenient reading). They
leave with the retention window, a week at most.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkin_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_checkin_records_received_at"), ["received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("checkin_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_records_received_at"))
        batch_op.drop_column("fingerprint")

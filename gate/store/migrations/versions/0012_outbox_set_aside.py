"""an outbox event an expander keeps failing on is set aside

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:00:00

Issue 15, the outbox never stuck: ``outbox_events`` counts the failed expansions of an event
(``expand_attempts``) and keeps the last one's error (``expand_error``, an expander's and an
exception's class names, no personal data). After ``EXPAND_TRIES`` failures the event is
marked expanded with its error (gate/outbox/poison.py), so it no longer holds its booking's
later deliveries. Existing rows get 0 and NULL; a downgrade drops both columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_events") as table:
        table.add_column(
            sa.Column("expand_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        table.add_column(sa.Column("expand_error", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_events") as table:
        table.drop_column("expand_error")
        table.drop_column("expand_attempts")

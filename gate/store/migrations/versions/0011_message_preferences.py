"""what people chose about their messages

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 10:00:00

Messages to people (issue 15): a driver's and an enterprise user's channels, language, quiet
hours and (users) chosen topics, one row each (no row: the defaults, a driver by SMS in the
language of their nationality, a user told nothing but what goes to admins); and an index on
deliveries by recipient and channel, since the rate limit counts a person's messages on a
channel at each expansion. Nothing existing is changed; a downgrade drops what was added.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "driver_message_preferences",
        sa.Column("driver_id", sa.String(length=36), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("quiet_start", sa.String(length=5), nullable=True),
        sa.Column("quiet_end", sa.String(length=5), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_driver_message_preferences_driver_id_drivers"),
        ),
        sa.PrimaryKeyConstraint("driver_id", name=op.f("pk_driver_message_preferences")),
    )
    op.create_table(
        "user_message_preferences",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("quiet_start", sa.String(length=5), nullable=True),
        sa.Column("quiet_end", sa.String(length=5), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["enterprise_users.id"],
            name=op.f("fk_user_message_preferences_user_id_enterprise_users"),
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_message_preferences")),
    )

    op.create_index(
        "ix_deliveries_recipient",
        "deliveries",
        ["recipient_kind", "recipient_id", "channel"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_recipient", table_name="deliveries")
    op.drop_table("user_message_preferences")
    op.drop_table("driver_message_preferences")

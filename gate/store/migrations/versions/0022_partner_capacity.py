"""the partner gate's announcements: capacity per hour and closures of the other side

Revision ID: 0022_partner_capacity
Revises: 0021_enterprise_sign_up
Create Date: 2026-11-30 15:30:00

Issue 18, "Capacity follows the other side": ``partner_announcements`` holds what the partner
gate across the border announces (its capacity per hour over a span, 0 for a closure), with
its source, reference, time and the partner feed's own id (unique per gate), who entered it,
and its withdrawal. Rows are never deleted: a later announcement replaces an earlier one for
the hours both cover (gate/domain/partner.py). An hour's bookable capacity is the smaller of
ours and theirs (gate/gates/calendar.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_partner_capacity"
down_revision: str | None = "0021_enterprise_sign_up"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "partner_announcements",
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("feed_id", sa.String(length=64), nullable=True),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=300), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "capacity >= 0", name=op.f("ck_partner_announcements_capacity_not_negative")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_partner_announcements_span")),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_partner_announcements_gate_id_gates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_announcements")),
        sa.UniqueConstraint("gate_id", "feed_id", name="uq_partner_announcements_gate_feed"),
    )
    with op.batch_alter_table("partner_announcements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_partner_announcements_gate_ends", ["gate_id", "ends_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("partner_announcements", schema=None) as batch_op:
        batch_op.drop_index("ix_partner_announcements_gate_ends")
    op.drop_table("partner_announcements")

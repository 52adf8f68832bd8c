"""enterprises sign up and are approved; one-time links (invitations, password resets)

Revision ID: 0021_enterprise_sign_up
Revises: 0020_gate_zh_names
Create Date: 2026-11-30 12:00:00

Issue 16: an enterprise signs up in the portal and waits for the administration
(``enterprises.status``: pending, approved, rejected; its contact person and phone, the
decision's time and reason); the enterprises made before were made by the administrator and
are approved (the server default fills them). ``account_links``: invitations and password
resets e-mailed to people, each usable once until it expires; no token is stored
(gate/accounts/links.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_enterprise_sign_up"
down_revision: str | None = "0020_gate_zh_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=10), server_default="approved", nullable=False)
        )
        batch_op.add_column(sa.Column("contact_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("contact_language", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("decision_reason", sa.String(length=300), nullable=True))
    op.create_table(
        "account_links",
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("enterprise_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_account_links_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["enterprise_users.id"],
            name=op.f("fk_account_links_user_id_enterprise_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
    )
    with op.batch_alter_table("account_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_links_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_account_links_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("account_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_links_user_id"))
        batch_op.drop_index(batch_op.f("ix_account_links_enterprise_id"))
    op.drop_table("account_links")
    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_column("decision_reason")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("contact_language")
        batch_op.drop_column("contact_phone")
        batch_op.drop_column("contact_name")
        batch_op.drop_column("status")

"""monthly statements: agreements, statements, their fees and payments

Revision ID: 0029_fee_statements
Revises: 0027_fees
Create Date: 2026-11-30 18:40:00

Issue 19, "Enterprises with a monthly agreement pay by statement": ``statement_agreements``
(an enterprise's agreement, its days, the contract's number, ended early at an instant),
``fee_statements`` (one per enterprise and month, its number and total), ``statement_fees``
(a fee on a statement: one at most) and ``statement_payments`` (money received that went to a
statement). New tables only: no existing row changes (no fee is on statement before an
agreement is made).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Whole dong: 64-bit on PostgreSQL (gate/store/types.py, MONEY; written out here so that
# this step never changes).
MONEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0029_fee_statements"
down_revision: str | None = "0027_fees"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statement_agreements",
        sa.Column("enterprise_id", sa.String(length=36), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=60), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_statement_agreements_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_agreements")),
    )
    with op.batch_alter_table("statement_agreements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_statement_agreements_enterprise", ["enterprise_id", "valid_from"], unique=False
        )

    op.create_table(
        "fee_statements",
        sa.Column("enterprise_id", sa.String(length=36), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("number", sa.String(length=12), nullable=False),
        sa.Column("total_vnd", MONEY, nullable=False),
        sa.Column("fee_count", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("paid_amount_vnd", MONEY, server_default="0", nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.CheckConstraint("total_vnd >= 0", name=op.f("ck_fee_statements_total_not_negative")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_fee_statements_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_statements")),
        sa.UniqueConstraint("enterprise_id", "month", name="uq_fee_statements_enterprise_month"),
        sa.UniqueConstraint("number", name=op.f("uq_fee_statements_number")),
    )
    with op.batch_alter_table("fee_statements", schema=None) as batch_op:
        batch_op.create_index("ix_fee_statements_month", ["month"], unique=False)

    op.create_table(
        "statement_fees",
        sa.Column("fee_id", sa.String(length=36), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["fee_id"], ["fees.id"], name=op.f("fk_statement_fees_fee_id_fees")
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["fee_statements.id"],
            name=op.f("fk_statement_fees_statement_id_fee_statements"),
        ),
        sa.PrimaryKeyConstraint("fee_id", name=op.f("pk_statement_fees")),
    )
    with op.batch_alter_table("statement_fees", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statement_fees_statement_id"), ["statement_id"], unique=False
        )

    op.create_table(
        "statement_payments",
        sa.Column("payment_id", sa.String(length=36), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["fee_payments.id"],
            name=op.f("fk_statement_payments_payment_id_fee_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["fee_statements.id"],
            name=op.f("fk_statement_payments_statement_id_fee_statements"),
        ),
        sa.PrimaryKeyConstraint("payment_id", name=op.f("pk_statement_payments")),
    )
    with op.batch_alter_table("statement_payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statement_payments_statement_id"), ["statement_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("statement_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_payments_statement_id"))
    op.drop_table("statement_payments")
    with op.batch_alter_table("statement_fees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_statement_fees_statement_id"))
    op.drop_table("statement_fees")
    with op.batch_alter_table("fee_statements", schema=None) as batch_op:
        batch_op.drop_index("ix_fee_statements_month")
    op.drop_table("fee_statements")
    with op.batch_alter_table("statement_agreements", schema=None) as batch_op:
        batch_op.drop_index("ix_statement_agreements_enterprise")
    op.drop_table("statement_agreements")

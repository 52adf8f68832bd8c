"""the border-gate infrastructure fee: schedules, fees, payments, refunds, invoice numbers

Revision ID: 0027_fees
Revises: 0026_declaration_versions
Create Date: 2026-11-30 18:03:28

Issue 19, "Fees and payment": ``fee_schedules`` (a gate's versions, each from its effective
instant, with the decision that set it) and their ``fee_rates``; ``fees``, one per crossing,
fixed at booking with its invoice number; ``fee_payments`` (money received, unique per
provider and transaction: a retried notification lands once); ``fee_refunds``;
``invoice_counters`` (one sequence per series and year); ``gates.invoice_series``, given to
each existing gate from its code (the initials of its words: huu-nghi HN, as
gate.domain.fees.default_series, written out here so that this step never changes);
``bookings.fee_unpaid`` (the unpaid-fee rule: not called to a lane). Existing bookings have
no fee (none was fixed when they were made) and are not held.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Whole dong: 64-bit on PostgreSQL (gate/store/types.py, MONEY; written out here so that
# this step never changes).
MONEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0027_fees"
down_revision: str | None = "0026_declaration_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invoice_counters",
        sa.Column("series", sa.String(length=6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "year", name=op.f("pk_invoice_counters")),
    )
    op.create_table(
        "fee_schedules",
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=200), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_fee_schedules_gate_id_gates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_schedules")),
        sa.UniqueConstraint("gate_id", "effective_from", name="uq_fee_schedules_gate_effective"),
        sa.UniqueConstraint("gate_id", "version", name="uq_fee_schedules_gate_version"),
    )
    op.create_table(
        "fee_rates",
        sa.Column("schedule_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("vehicle_type", sa.String(length=30), nullable=False),
        sa.Column("load_class", sa.String(length=12), nullable=False),
        sa.Column("amount_vnd", MONEY, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.CheckConstraint("amount_vnd >= 0", name=op.f("ck_fee_rates_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["fee_schedules.id"],
            name=op.f("fk_fee_rates_schedule_id_fee_schedules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_rates")),
        sa.UniqueConstraint(
            "schedule_id", "direction", "vehicle_type", "load_class", name="uq_fee_rates_line"
        ),
    )
    with op.batch_alter_table("fee_rates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_rates_schedule_id"), ["schedule_id"], unique=False)

    op.create_table(
        "fees",
        sa.Column("booking_id", sa.String(length=36), nullable=False),
        sa.Column("invoice_number", sa.String(length=20), nullable=False),
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("enterprise_id", sa.String(length=36), nullable=True),
        sa.Column("schedule_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("vehicle_type", sa.String(length=30), nullable=False),
        sa.Column("load_class", sa.String(length=12), nullable=False),
        sa.Column("amount_vnd", MONEY, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("fixed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_amount_vnd", MONEY, server_default="0", nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refund_amount_vnd", MONEY, server_default="0", nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refund_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.CheckConstraint("amount_vnd >= 0", name=op.f("ck_fees_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_fees_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_fees_enterprise_id_enterprises")
        ),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_fees_gate_id_gates")),
        sa.ForeignKeyConstraint(
            ["schedule_id"], ["fee_schedules.id"], name=op.f("fk_fees_schedule_id_fee_schedules")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fees")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_fees_booking_id")),
        sa.UniqueConstraint("invoice_number", name=op.f("uq_fees_invoice_number")),
    )
    with op.batch_alter_table("fees", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fees_enterprise_fixed", ["enterprise_id", "fixed_at"], unique=False
        )
        batch_op.create_index("ix_fees_gate_fixed", ["gate_id", "fixed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_fees_status"), ["status"], unique=False)

    op.create_table(
        "fee_payments",
        sa.Column("fee_id", sa.String(length=36), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("transaction_id", sa.String(length=80), nullable=False),
        sa.Column("amount_vnd", MONEY, nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("receipt_number", sa.String(length=30), nullable=True),
        sa.Column("officer_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(["fee_id"], ["fees.id"], name=op.f("fk_fee_payments_fee_id_fees")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_payments")),
        sa.UniqueConstraint("provider", "transaction_id", name="uq_fee_payments_transaction"),
        sa.UniqueConstraint("receipt_number", name=op.f("uq_fee_payments_receipt_number")),
    )
    with op.batch_alter_table("fee_payments", schema=None) as batch_op:
        batch_op.create_index("ix_fee_payments_fee", ["fee_id"], unique=False)
        batch_op.create_index("ix_fee_payments_received", ["received_at"], unique=False)

    op.create_table(
        "fee_refunds",
        sa.Column("fee_id", sa.String(length=36), nullable=True),
        sa.Column("payment_id", sa.String(length=36), nullable=True),
        sa.Column("amount_vnd", MONEY, nullable=False),
        sa.Column("rule", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_vnd > 0", name=op.f("ck_fee_refunds_amount_positive")),
        sa.ForeignKeyConstraint(["fee_id"], ["fees.id"], name=op.f("fk_fee_refunds_fee_id_fees")),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["fee_payments.id"], name=op.f("fk_fee_refunds_payment_id_fee_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_refunds")),
    )
    with op.batch_alter_table("fee_refunds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_refunds_fee_id"), ["fee_id"], unique=False)
        batch_op.create_index("ix_fee_refunds_status", ["status", "created_at"], unique=False)

    # ALTER TABLE ADD COLUMN, not a batch: on SQLite a batch may copy the table, and the copy
    # would lose the queue counts' triggers on bookings (migrations 0017, 0025).
    op.add_column(
        "bookings", sa.Column("fee_unpaid", sa.Boolean(), server_default=sa.false(), nullable=False)
    )

    with op.batch_alter_table("gates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invoice_series", sa.String(length=6), nullable=True))

    gates = sa.table("gates", sa.column("id", sa.String), sa.column("code", sa.String))
    series = sa.table("gates", sa.column("id", sa.String), sa.column("invoice_series", sa.String))
    connection = op.get_bind()
    for gate_id, code in connection.execute(sa.select(gates.c.id, gates.c.code)).all():
        connection.execute(
            series.update().where(series.c.id == gate_id).values(invoice_series=_series(code))
        )


def _series(code: str) -> str:
    """The initials of the code's words, upper case, at least two letters (huu-nghi: HN)."""
    words = [w for w in re.split(r"[^a-z]+", code.lower()) if w]
    initials = "".join(w[0] for w in words)[:6]
    letters = "".join(words)
    return (initials if len(initials) >= 2 else (letters[:2] or "GT")).upper().ljust(2, "X")


def downgrade() -> None:
    with op.batch_alter_table("gates", schema=None) as batch_op:
        batch_op.drop_column("invoice_series")

    # A plain DROP COLUMN (SQLite 3.35 and later): a batch's copy would lose the triggers.
    op.drop_column("bookings", "fee_unpaid")

    with op.batch_alter_table("fee_refunds", schema=None) as batch_op:
        batch_op.drop_index("ix_fee_refunds_status")
        batch_op.drop_index(batch_op.f("ix_fee_refunds_fee_id"))

    op.drop_table("fee_refunds")
    with op.batch_alter_table("fee_payments", schema=None) as batch_op:
        batch_op.drop_index("ix_fee_payments_received")
        batch_op.drop_index("ix_fee_payments_fee")

    op.drop_table("fee_payments")
    with op.batch_alter_table("fees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fees_status"))
        batch_op.drop_index("ix_fees_gate_fixed")
        batch_op.drop_index("ix_fees_enterprise_fixed")

    op.drop_table("fees")
    with op.batch_alter_table("fee_rates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fee_rates_schedule_id"))

    op.drop_table("fee_rates")
    op.drop_table("fee_schedules")
    op.drop_table("invoice_counters")

"""a booking's declaration amended until check-in, each amendment a version

Revision ID: 0026_declaration_versions
Revises: 0025_spoil_by
Create Date: 2026-11-30 15:30:00

Issue 18, "Declare once, amend with history": ``booking_declarations`` holds each version of
a booking's declaration (cargo, weight, perishable, HS code, declaration number, driver) with
who declared it and when. Nothing is backfilled: a booking never amended has no row, and its
version 1 is its own columns (written as a row beside its first amendment;
gate/bookings/declarations.py), so the existing bookings need no copy.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_declaration_versions"
down_revision: str | None = "0025_spoil_by"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "booking_declarations",
        sa.Column("booking_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("cargo_description", sa.String(length=500), nullable=False),
        sa.Column("weight_kg", sa.Double(), nullable=False),
        sa.Column("perishable", sa.Boolean(), nullable=False),
        sa.Column("hs_code", sa.String(length=10), nullable=True),
        sa.Column("declaration_number", sa.String(length=12), nullable=True),
        sa.Column("driver_id", sa.String(length=36), nullable=True),
        sa.Column("spoil_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("role", sa.String(length=30), nullable=True),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_declarations_booking_id_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_booking_declarations_driver_id_drivers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_declarations")),
        sa.UniqueConstraint(
            "booking_id", "version", name=op.f("uq_booking_declarations_booking_id")
        ),
    )
    with op.batch_alter_table("booking_declarations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_booking_declarations_booking_id"), ["booking_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("booking_declarations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_declarations_booking_id"))
    op.drop_table("booking_declarations")

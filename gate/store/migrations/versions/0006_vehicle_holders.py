"""vehicle holders: a plate is held by one enterprise; registration numbers; grants

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00

Before this revision a plate was unique per enterprise, so two enterprises may both have
registered one truck. Which of them really holds it, the data cannot say, and choosing one
(the earliest, say) could hand a truck to whoever registered it first by mistake or on
purpose. So the upgrade refuses, naming the plates, and changes nothing; the operator settles
each plate with the enterprises (docs/architecture.md, "A truck has one carrier") and runs
the upgrade again. Nothing is deleted or reassigned here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SHOWN = 20


def _refuse_plates_held_twice() -> None:
    shared = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT plate, COUNT(*) FROM vehicles GROUP BY plate "
                "HAVING COUNT(*) > 1 ORDER BY plate"
            )
        )
        .all()
    )
    if shared:
        listed = ", ".join(f"{plate} ({count} enterprises)" for plate, count in shared[:_SHOWN])
        more = f" and {len(shared) - _SHOWN} more" if len(shared) > _SHOWN else ""
        raise RuntimeError(
            f"migration 0006 needs every plate held by one enterprise, but {len(shared)} "
            f"plates are registered by several: {listed}{more}. Nothing was changed. Settle "
            "each with the enterprises concerned (docs/architecture.md, 'A truck has one "
            "carrier'), then upgrade again."
        )


def upgrade() -> None:
    _refuse_plates_held_twice()
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("registration_number", sa.String(length=20), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_vehicles_enterprise_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_vehicles_plate"))
        batch_op.create_index(batch_op.f("ix_vehicles_plate"), ["plate"], unique=True)

    op.create_table(
        "vehicle_grants",
        sa.Column("vehicle_id", sa.String(length=36), nullable=False),
        sa.Column("holder_id", sa.String(length=36), nullable=False),
        sa.Column("grantee_id", sa.String(length=36), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.String(length=300), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grantee_id"],
            ["enterprises.id"],
            name=op.f("fk_vehicle_grants_grantee_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["enterprises.id"],
            name=op.f("fk_vehicle_grants_holder_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_vehicle_grants_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle_grants")),
    )
    with op.batch_alter_table("vehicle_grants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_vehicle_grants_grantee_vehicle", ["grantee_id", "vehicle_id"], unique=False
        )
        batch_op.create_index("ix_vehicle_grants_holder", ["holder_id", "created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_vehicle_grants_vehicle_id"), ["vehicle_id"], unique=False
        )


def downgrade() -> None:
    # Always possible: a plate unique across enterprises is unique within each. The grants
    # and certificate numbers are lost, as a downgrade of a table that did not exist must.
    with op.batch_alter_table("vehicle_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicle_grants_vehicle_id"))
        batch_op.drop_index("ix_vehicle_grants_holder")
        batch_op.drop_index("ix_vehicle_grants_grantee_vehicle")
    op.drop_table("vehicle_grants")

    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicles_plate"))
        batch_op.create_index(batch_op.f("ix_vehicles_plate"), ["plate"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_vehicles_enterprise_id"), ["enterprise_id", "plate"]
        )
        batch_op.drop_column("registration_number")

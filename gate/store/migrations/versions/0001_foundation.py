"""foundation: accounts, gates, slots, fleet, bookings

Revision ID: 0001
Revises:
Create Date: 2026-11-25 15:13:40.813121
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "enterprises",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tax_code", sa.String(length=14), nullable=False),
        sa.Column("is_aeo", sa.Boolean(), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprises")),
        sa.UniqueConstraint("tax_code", name=op.f("uq_enterprises_tax_code")),
    )
    op.create_table(
        "gates",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("counterpart", sa.String(length=200), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("grace_early_minutes", sa.Integer(), nullable=False),
        sa.Column("grace_late_minutes", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gates")),
        sa.UniqueConstraint("code", name=op.f("uq_gates_code")),
    )
    op.create_table(
        "idempotency_records",
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner_id", "key", name=op.f("pk_idempotency_records")),
    )
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_records_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "api_keys",
        sa.Column("enterprise_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("lookup", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_api_keys_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("lookup", name=op.f("uq_api_keys_lookup")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_keys_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "closures",
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_closures_gate_id_gates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closures")),
    )
    with op.batch_alter_table("closures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_closures_gate_id"), ["gate_id"], unique=False)

    op.create_table(
        "drivers",
        sa.Column("enterprise_id", sa.String(length=36), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("id_number", sa.String(length=30), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("nationality", sa.String(length=2), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_drivers_enterprise_id_enterprises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drivers")),
        sa.UniqueConstraint("enterprise_id", "id_number", name=op.f("uq_drivers_enterprise_id")),
    )
    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_drivers_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "enterprise_users",
        sa.Column("enterprise_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_enterprise_users_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_users")),
        sa.UniqueConstraint("email", name=op.f("uq_enterprise_users_email")),
    )
    with op.batch_alter_table("enterprise_users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enterprise_users_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "gate_directions",
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("hourly_capacity", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.Integer(), nullable=False),
        sa.Column("closes_at", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "hourly_capacity >= 0", name=op.f("ck_gate_directions_capacity_not_negative")
        ),
        sa.CheckConstraint(
            "opens_at BETWEEN 0 AND 24 AND closes_at BETWEEN 0 AND 24",
            name=op.f("ck_gate_directions_hours"),
        ),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_gate_directions_gate_id_gates")
        ),
        sa.PrimaryKeyConstraint("gate_id", "direction", name=op.f("pk_gate_directions")),
    )
    op.create_table(
        "lanes",
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_lanes_gate_id_gates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lanes")),
        sa.UniqueConstraint("gate_id", "code", name=op.f("uq_lanes_gate_id")),
    )
    with op.batch_alter_table("lanes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lanes_gate_id"), ["gate_id"], unique=False)

    op.create_table(
        "slot_overrides",
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_slot_overrides_capacity_not_negative")),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_slot_overrides_gate_id_gates")
        ),
        sa.PrimaryKeyConstraint(
            "gate_id", "direction", "starts_at", name=op.f("pk_slot_overrides")
        ),
    )
    op.create_table(
        "slots",
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.CheckConstraint("booked >= 0", name=op.f("ck_slots_booked_not_negative")),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_slots_gate_id_gates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slots")),
        sa.UniqueConstraint(
            "gate_id", "direction", "starts_at", name="uq_slots_gate_direction_start"
        ),
    )
    op.create_table(
        "vehicles",
        sa.Column("enterprise_id", sa.String(length=36), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("trailer_plate", sa.String(length=16), nullable=True),
        sa.Column("vehicle_type", sa.String(length=30), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_vehicles_enterprise_id_enterprises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("enterprise_id", "plate", name=op.f("uq_vehicles_enterprise_id")),
    )
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vehicles_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_vehicles_plate"), ["plate"], unique=False)

    op.create_table(
        "bookings",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("enterprise_id", sa.String(length=36), nullable=False),
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("slot_id", sa.String(length=36), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vehicle_id", sa.String(length=36), nullable=False),
        sa.Column("driver_id", sa.String(length=36), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("active_plate", sa.String(length=16), nullable=True),
        sa.Column("cargo_description", sa.String(length=500), nullable=False),
        sa.Column("hs_code", sa.String(length=10), nullable=True),
        sa.Column("weight_kg", sa.Double(), nullable=False),
        sa.Column("perishable", sa.Boolean(), nullable=False),
        sa.Column("declaration_number", sa.String(length=12), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=300), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["driver_id"], ["drivers.id"], name=op.f("fk_bookings_driver_id_drivers")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprises.id"],
            name=op.f("fk_bookings_enterprise_id_enterprises"),
        ),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_bookings_gate_id_gates")),
        sa.ForeignKeyConstraint(["slot_id"], ["slots.id"], name=op.f("fk_bookings_slot_id_slots")),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["vehicles.id"], name=op.f("fk_bookings_vehicle_id_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("active_plate", name=op.f("uq_bookings_active_plate")),
        sa.UniqueConstraint("code", name=op.f("uq_bookings_code")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bookings_enterprise_slot", ["enterprise_id", "slot_start"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bookings_plate"), ["plate"], unique=False)
        batch_op.create_index("ix_bookings_slot_status", ["slot_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_status"), ["status"], unique=False)

    op.create_table(
        "user_sessions",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["enterprise_users.id"],
            name=op.f("fk_user_sessions_user_id_enterprise_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))

    op.drop_table("user_sessions")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookings_status"))
        batch_op.drop_index("ix_bookings_slot_status")
        batch_op.drop_index(batch_op.f("ix_bookings_plate"))
        batch_op.drop_index("ix_bookings_enterprise_slot")

    op.drop_table("bookings")
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicles_plate"))
        batch_op.drop_index(batch_op.f("ix_vehicles_enterprise_id"))

    op.drop_table("vehicles")
    op.drop_table("slots")
    op.drop_table("slot_overrides")
    with op.batch_alter_table("lanes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lanes_gate_id"))

    op.drop_table("lanes")
    op.drop_table("gate_directions")
    with op.batch_alter_table("enterprise_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_users_enterprise_id"))

    op.drop_table("enterprise_users")
    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drivers_enterprise_id"))

    op.drop_table("drivers")
    with op.batch_alter_table("closures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_closures_gate_id"))

    op.drop_table("closures")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_enterprise_id"))

    op.drop_table("api_keys")
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_records_created_at"))

    op.drop_table("idempotency_records")
    op.drop_table("gates")
    op.drop_table("enterprises")

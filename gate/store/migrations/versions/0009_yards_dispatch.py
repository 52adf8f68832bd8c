"""waiting yards, dispatch orders and the driver's page

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 18:00:00

The road to the gate (issue 14): waiting yards (bến bãi) run by yard enterprises, with their
devices, the trucks' visits and the devices' event records; the dispatch rules per gate and
direction and the dispatch orders (lệnh điều tiết); the driver's page links and the one
position per booking a driver shares. Enterprises gain a kind: every existing one is a
"carrier", as every enterprise was. Gates gain their coordinates (NULL until set; the seed
sets Lạng Sơn's). Nothing existing is changed otherwise; a downgrade drops what was added.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispatch_rules",
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("deadline_minutes", sa.Integer(), nullable=False),
        sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("paused_reason", sa.String(length=300), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "deadline_minutes > 0", name=op.f("ck_dispatch_rules_deadline_positive")
        ),
        sa.CheckConstraint("target >= 0", name=op.f("ck_dispatch_rules_target_not_negative")),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_dispatch_rules_gate_id_gates")
        ),
        sa.PrimaryKeyConstraint("gate_id", "direction", name=op.f("pk_dispatch_rules")),
    )
    op.create_table(
        "yards",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enterprise_id", sa.String(length=36), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.Integer(), nullable=False),
        sa.Column("closes_at", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_yards_capacity_not_negative")),
        sa.CheckConstraint(
            "opens_at BETWEEN 0 AND 24 AND closes_at BETWEEN 0 AND 24", name=op.f("ck_yards_hours")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprises.id"], name=op.f("fk_yards_enterprise_id_enterprises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_yards")),
        sa.UniqueConstraint("code", name=op.f("uq_yards_code")),
    )
    with op.batch_alter_table("yards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_yards_enterprise_id"), ["enterprise_id"], unique=False)

    op.create_table(
        "yard_devices",
        sa.Column("yard_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("watches", sa.String(length=10), nullable=False),
        sa.Column("gate_id", sa.String(length=36), nullable=True),
        sa.Column("direction", sa.String(length=10), nullable=True),
        sa.Column("lookup", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_yard_devices_gate_id_gates")
        ),
        sa.ForeignKeyConstraint(
            ["yard_id"], ["yards.id"], name=op.f("fk_yard_devices_yard_id_yards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_yard_devices")),
        sa.UniqueConstraint("lookup", name=op.f("uq_yard_devices_lookup")),
    )
    with op.batch_alter_table("yard_devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_yard_devices_yard_id"), ["yard_id"], unique=False)

    op.create_table(
        "yard_gates",
        sa.Column("yard_id", sa.String(length=36), nullable=False),
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_yard_gates_gate_id_gates")
        ),
        sa.ForeignKeyConstraint(
            ["yard_id"], ["yards.id"], name=op.f("fk_yard_gates_yard_id_yards")
        ),
        sa.PrimaryKeyConstraint("yard_id", "gate_id", name=op.f("pk_yard_gates")),
    )
    op.create_table(
        "driver_links",
        sa.Column("booking_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_driver_links_booking_id_bookings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_driver_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_driver_links_token_hash")),
    )
    with op.batch_alter_table("driver_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_driver_links_booking_id"), ["booking_id"], unique=False
        )

    op.create_table(
        "truck_positions",
        sa.Column("booking_id", sa.String(length=36), nullable=False),
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=False),
        sa.Column("longitude", sa.Double(), nullable=False),
        sa.Column("accuracy_m", sa.Double(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("destination", sa.String(length=10), nullable=False),
        sa.Column("estimated_arrival_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("destination_yard_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_truck_positions_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["destination_yard_id"],
            ["yards.id"],
            name=op.f("fk_truck_positions_destination_yard_id_yards"),
        ),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_truck_positions_gate_id_gates")
        ),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_truck_positions")),
    )
    with op.batch_alter_table("truck_positions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_truck_positions_gate_id"), ["gate_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_truck_positions_recorded_at"), ["recorded_at"], unique=False
        )

    op.create_table(
        "yard_visits",
        sa.Column("yard_id", sa.String(length=36), nullable=False),
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("active_plate", sa.String(length=16), nullable=True),
        sa.Column("trailer_plate", sa.String(length=16), nullable=True),
        sa.Column("booking_id", sa.String(length=36), nullable=True),
        sa.Column("queue_class", sa.String(length=12), nullable=False),
        sa.Column("slot_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("departed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=300), nullable=True),
        sa.Column("missed_orders", sa.Integer(), server_default="0", nullable=False),
        sa.Column("behind", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_yard_visits_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_yard_visits_gate_id_gates")
        ),
        sa.ForeignKeyConstraint(
            ["yard_id"], ["yards.id"], name=op.f("fk_yard_visits_yard_id_yards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_yard_visits")),
        sa.UniqueConstraint("active_plate", name=op.f("uq_yard_visits_active_plate")),
    )
    with op.batch_alter_table("yard_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_yard_visits_booking_id"), ["booking_id"], unique=False)
        batch_op.create_index(
            "ix_yard_visits_gate_direction_status", ["gate_id", "direction", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_yard_visits_plate"), ["plate"], unique=False)
        batch_op.create_index("ix_yard_visits_yard_status", ["yard_id", "status"], unique=False)

    op.create_table(
        "dispatch_orders",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("visit_id", sa.String(length=36), nullable=False),
        sa.Column("active_visit_id", sa.String(length=36), nullable=True),
        sa.Column("booking_id", sa.String(length=36), nullable=True),
        sa.Column("yard_id", sa.String(length=36), nullable=False),
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("queue_class", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_dispatch_orders_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_dispatch_orders_gate_id_gates")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["yard_visits.id"], name=op.f("fk_dispatch_orders_visit_id_yard_visits")
        ),
        sa.ForeignKeyConstraint(
            ["yard_id"], ["yards.id"], name=op.f("fk_dispatch_orders_yard_id_yards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_orders")),
        sa.UniqueConstraint("active_visit_id", name=op.f("uq_dispatch_orders_active_visit_id")),
        sa.UniqueConstraint("code", name=op.f("uq_dispatch_orders_code")),
    )
    with op.batch_alter_table("dispatch_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dispatch_orders_booking_id"), ["booking_id"], unique=False
        )
        batch_op.create_index(
            "ix_dispatch_orders_gate_direction_status",
            ["gate_id", "direction", "status"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_dispatch_orders_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "yard_checkin_records",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("visit_id", sa.String(length=36), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["yard_devices.id"],
            name=op.f("fk_yard_checkin_records_device_id_yard_devices"),
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["yard_visits.id"],
            name=op.f("fk_yard_checkin_records_visit_id_yard_visits"),
        ),
        sa.PrimaryKeyConstraint("device_id", "event_id", name=op.f("pk_yard_checkin_records")),
    )
    with op.batch_alter_table("yard_checkin_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_yard_checkin_records_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_yard_checkin_records_visit_id"), ["visit_id"], unique=False
        )

    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=10), server_default="carrier", nullable=False)
        )

    with op.batch_alter_table("gates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gates", schema=None) as batch_op:
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")

    with op.batch_alter_table("enterprises", schema=None) as batch_op:
        batch_op.drop_column("kind")

    with op.batch_alter_table("yard_checkin_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_yard_checkin_records_visit_id"))
        batch_op.drop_index(batch_op.f("ix_yard_checkin_records_received_at"))

    op.drop_table("yard_checkin_records")
    with op.batch_alter_table("dispatch_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_orders_visit_id"))
        batch_op.drop_index("ix_dispatch_orders_gate_direction_status")
        batch_op.drop_index(batch_op.f("ix_dispatch_orders_booking_id"))

    op.drop_table("dispatch_orders")
    with op.batch_alter_table("yard_visits", schema=None) as batch_op:
        batch_op.drop_index("ix_yard_visits_yard_status")
        batch_op.drop_index(batch_op.f("ix_yard_visits_plate"))
        batch_op.drop_index("ix_yard_visits_gate_direction_status")
        batch_op.drop_index(batch_op.f("ix_yard_visits_booking_id"))

    op.drop_table("yard_visits")
    with op.batch_alter_table("truck_positions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_truck_positions_recorded_at"))
        batch_op.drop_index(batch_op.f("ix_truck_positions_gate_id"))

    op.drop_table("truck_positions")
    with op.batch_alter_table("driver_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_driver_links_booking_id"))

    op.drop_table("driver_links")
    op.drop_table("yard_gates")
    with op.batch_alter_table("yard_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_yard_devices_yard_id"))

    op.drop_table("yard_devices")
    with op.batch_alter_table("yards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_yards_enterprise_id"))

    op.drop_table("yards")
    op.drop_table("dispatch_rules")

"""yard: devices, check-ins, officers, clearance, queue, audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 15:34:39.379480
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The audit log is append-only: the database itself refuses UPDATE and DELETE on it.
_PG_GUARDS = [
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END;
$$""",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
]
_SQLITE_GUARDS = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (UPDATE refused)'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (DELETE refused)'); END",
]


def _guard_audit_log() -> None:
    guards = _PG_GUARDS if op.get_bind().dialect.name == "postgresql" else _SQLITE_GUARDS
    for statement in guards:
        op.execute(statement)


def _unguard_audit_log() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")


def upgrade() -> None:

    op.create_table(
        "audit_heads",
        sa.Column("chain", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_heads")),
    )
    op.create_table(
        "audit_log",
        sa.Column("chain", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("role", sa.String(length=30), nullable=True),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", "seq", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "officers",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("agency", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officers")),
        sa.UniqueConstraint("email", name=op.f("uq_officers_email")),
    )
    op.create_table(
        "devices",
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=True),
        sa.Column("lookup", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["gate_id"], ["gates.id"], name=op.f("fk_devices_gate_id_gates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("lookup", name=op.f("uq_devices_lookup")),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_devices_gate_id"), ["gate_id"], unique=False)

    op.create_table(
        "officer_gates",
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_officer_gates_gate_id_gates")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_officer_gates_officer_id_officers")
        ),
        sa.PrimaryKeyConstraint("officer_id", "gate_id", name=op.f("pk_officer_gates")),
    )
    op.create_table(
        "queue_cursors",
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_queue_cursors_gate_id_gates")
        ),
        sa.PrimaryKeyConstraint("gate_id", "direction", name=op.f("pk_queue_cursors")),
    )
    op.create_table(
        "checkin_records",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("booking_id", sa.String(length=36), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_checkin_records_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_checkin_records_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("device_id", "event_id", name=op.f("pk_checkin_records")),
    )
    with op.batch_alter_table("checkin_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkin_records_booking_id"), ["booking_id"], unique=False
        )

    op.create_table(
        "clearance_decisions",
        sa.Column("booking_id", sa.String(length=36), nullable=False),
        sa.Column("agency", sa.String(length=20), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("officer_id", sa.String(length=36), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_clearance_decisions_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.id"], name=op.f("fk_clearance_decisions_officer_id_officers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clearance_decisions")),
    )
    with op.batch_alter_table("clearance_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_clearance_decisions_booking_id"), ["booking_id"], unique=False
        )

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("walk_in", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("queue_class", sa.String(length=12), nullable=True))
        batch_op.add_column(
            sa.Column("queue_behind", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("called_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("lane_id", sa.String(length=36), nullable=True))
        batch_op.add_column(
            sa.Column("missed_calls", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("customs_channel", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("status_reason", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("exited_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("enterprise_id", existing_type=sa.VARCHAR(length=36), nullable=True)
        batch_op.alter_column("vehicle_id", existing_type=sa.VARCHAR(length=36), nullable=True)
        batch_op.alter_column("driver_id", existing_type=sa.VARCHAR(length=36), nullable=True)
        batch_op.alter_column(
            "cargo_description", existing_type=sa.VARCHAR(length=500), nullable=True
        )
        batch_op.alter_column("weight_kg", existing_type=sa.DOUBLE(), nullable=True)
        batch_op.create_index(
            "ix_bookings_gate_direction_status", ["gate_id", "direction", "status"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_bookings_lane_id_lanes"), "lanes", ["lane_id"], ["id"]
        )

    with op.batch_alter_table("gates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("call_timeout_minutes", sa.Integer(), server_default="10", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "service_cycle",
                sa.String(length=200),
                server_default="perishable:1,aeo:1,regular:5",
                nullable=False,
            )
        )

    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("officer_id", sa.String(length=36), nullable=True))
        batch_op.alter_column("user_id", existing_type=sa.VARCHAR(length=36), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_user_sessions_officer_id"), ["officer_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_user_sessions_officer_id_officers"), "officers", ["officer_id"], ["id"]
        )
    _guard_audit_log()


def downgrade() -> None:
    _unguard_audit_log()

    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_user_sessions_officer_id_officers"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_user_sessions_officer_id"))
        batch_op.alter_column("user_id", existing_type=sa.VARCHAR(length=36), nullable=False)
        batch_op.drop_column("officer_id")

    with op.batch_alter_table("gates", schema=None) as batch_op:
        batch_op.drop_column("service_cycle")
        batch_op.drop_column("call_timeout_minutes")

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_bookings_lane_id_lanes"), type_="foreignkey")
        batch_op.drop_index("ix_bookings_gate_direction_status")
        batch_op.alter_column("weight_kg", existing_type=sa.DOUBLE(), nullable=False)
        batch_op.alter_column(
            "cargo_description", existing_type=sa.VARCHAR(length=500), nullable=False
        )
        batch_op.alter_column("driver_id", existing_type=sa.VARCHAR(length=36), nullable=False)
        batch_op.alter_column("vehicle_id", existing_type=sa.VARCHAR(length=36), nullable=False)
        batch_op.alter_column("enterprise_id", existing_type=sa.VARCHAR(length=36), nullable=False)
        batch_op.drop_column("exited_at")
        batch_op.drop_column("status_reason")
        batch_op.drop_column("customs_channel")
        batch_op.drop_column("missed_calls")
        batch_op.drop_column("lane_id")
        batch_op.drop_column("called_at")
        batch_op.drop_column("arrived_at")
        batch_op.drop_column("queue_behind")
        batch_op.drop_column("queue_class")
        batch_op.drop_column("walk_in")

    with op.batch_alter_table("clearance_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clearance_decisions_booking_id"))

    op.drop_table("clearance_decisions")
    with op.batch_alter_table("checkin_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_records_booking_id"))

    op.drop_table("checkin_records")
    op.drop_table("queue_cursors")
    op.drop_table("officer_gates")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devices_gate_id"))

    op.drop_table("devices")
    op.drop_table("officers")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_subject_id"))

    op.drop_table("audit_log")
    op.drop_table("audit_heads")

"""perishable cargo's spoil-by: the queue serves the earliest first; its risk told once

Revision ID: 0025_spoil_by
Revises: 0024_no_show_accountability
Create Date: 2026-11-30 15:30:00

Issue 18, "Perishables first by deadline". ``bookings.spoil_by``: the instant (UTC) by which a
perishable load spoils, declared at booking; ``bookings.spoil_risk_told_at``: when the
enterprise was told that the truck's forecast call passes it (told once). Within a class the
yard queue serves trucks with a spoil-by first, earliest first, then the rest in the order
they always had (docs/architecture.md, "Perishables first by deadline"), so the queue's index
``ix_bookings_queue_order`` takes ``spoil_by`` after the class, and ``queue_counts`` counts
per part how many of its waiting trucks carry one (``with_spoil_by``): a check-in's place is
still counts and one bounded range, never a pass over the yard. The triggers of migration
0017 are replaced by ones that keep both counts (and follow a change of ``spoil_by``); the
upgrade counts the trucks carrying one once. The downgrade puts 0017's back.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_spoil_by"
down_revision: str | None = "0024_no_show_accountability"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_ORDER = ["gate_id", "direction", "status", "queue_class"]
_OLD_ORDER += ["queue_behind", "slot_start", "arrived_at", "id"]
_NEW_ORDER = ["gate_id", "direction", "status", "queue_class", "spoil_by"]
_NEW_ORDER += ["queue_behind", "slot_start", "arrived_at", "id"]
_KEY = "gate_id, direction, queue_class, behind"
_COUNT_SPOIL_BY_ONCE = """UPDATE queue_counts SET with_spoil_by = (
SELECT count(*) FROM bookings b WHERE b.status = 'arrived' AND b.spoil_by IS NOT NULL
AND b.gate_id = queue_counts.gate_id AND b.direction = queue_counts.direction
AND coalesce(b.queue_class, '') = queue_counts.queue_class
AND b.queue_behind = queue_counts.behind)"""


def _pg_step(row: str, change: int, with_spoil_by: bool) -> str:
    """One count moved by ``change`` for the ``row`` (OLD or NEW), under the gate's lock."""
    lock = f"hashtextextended('queue_counts:' || {row}.gate_id, 0)"
    values = f"{row}.gate_id, {row}.direction, coalesce({row}.queue_class, ''), "
    values += f"{row}.queue_behind, {change}"
    columns, changed = "waiting", "waiting = queue_counts.waiting + EXCLUDED.waiting"
    if with_spoil_by:
        columns += ", with_spoil_by"
        values += f", {change} * (CASE WHEN {row}.spoil_by IS NULL THEN 0 ELSE 1 END)"
        changed += ", with_spoil_by = queue_counts.with_spoil_by + EXCLUDED.with_spoil_by"
    return (
        f"PERFORM pg_advisory_xact_lock({lock});\n"
        f"        INSERT INTO queue_counts ({_KEY}, {columns}) SELECT {values}\n"
        f"        ON CONFLICT ({_KEY}) DO UPDATE SET {changed};"
    )


def _pg_function(with_spoil_by: bool) -> str:
    """0017's trigger function, with (``with_spoil_by``) or without the spoil-by count."""
    same = "AND (OLD.spoil_by IS NULL) = (NEW.spoil_by IS NULL) " if with_spoil_by else ""
    return f"""CREATE OR REPLACE FUNCTION queue_counts_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = 'arrived' AND NEW.status = 'arrived'
       AND OLD.gate_id = NEW.gate_id AND OLD.direction = NEW.direction
       AND OLD.queue_class IS NOT DISTINCT FROM NEW.queue_class
       AND OLD.queue_behind = NEW.queue_behind {same}THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.status = 'arrived' THEN
        {_pg_step("OLD", -1, with_spoil_by)}
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status = 'arrived' THEN
        {_pg_step("NEW", 1, with_spoil_by)}
    END IF;
    RETURN NULL;
END;
$$"""


def _pg_trigger(with_spoil_by: bool) -> list[str]:
    of = "status, gate_id, direction, queue_class, queue_behind"
    of += ", spoil_by" if with_spoil_by else ""
    return [
        "DROP TRIGGER IF EXISTS queue_counts_follow ON bookings",
        _pg_function(with_spoil_by),
        f"CREATE TRIGGER queue_counts_follow AFTER INSERT OR DELETE OR UPDATE OF {of} "
        "ON bookings FOR EACH ROW EXECUTE FUNCTION queue_counts_follow()",
    ]


def _sqlite_step(row: str, change: int, with_spoil_by: bool) -> str:
    """One count moved by ``change`` for the ``row`` (OLD or NEW) when it waits (0017's)."""
    if not with_spoil_by:
        return (
            f"INSERT INTO queue_counts ({_KEY}, waiting) "
            f"SELECT {row}.gate_id, {row}.direction, coalesce({row}.queue_class, ''), "
            f"{row}.queue_behind, {change} WHERE {row}.status = 'arrived' "
            f"ON CONFLICT ({_KEY}) DO UPDATE SET waiting = waiting + {change};"
        )
    return (
        f"INSERT INTO queue_counts ({_KEY}, waiting, with_spoil_by) "
        f"SELECT {row}.gate_id, {row}.direction, coalesce({row}.queue_class, ''), "
        f"{row}.queue_behind, {change}, {change} * ({row}.spoil_by IS NOT NULL) "
        f"WHERE {row}.status = 'arrived' ON CONFLICT ({_KEY}) DO UPDATE SET "
        "waiting = waiting + excluded.waiting, "
        "with_spoil_by = with_spoil_by + excluded.with_spoil_by;"
    )


def _sqlite_triggers(with_spoil_by: bool) -> list[str]:
    of = "status, gate_id, direction, queue_class, queue_behind"
    same = ""
    if with_spoil_by:
        of += ", spoil_by"
        same = " AND (OLD.spoil_by IS NULL) = (NEW.spoil_by IS NULL)"
    return [
        *(
            f"DROP TRIGGER IF EXISTS {name}"
            for name in ("queue_counts_insert", "queue_counts_delete", "queue_counts_update")
        ),
        "CREATE TRIGGER queue_counts_insert AFTER INSERT ON bookings "
        f"WHEN NEW.status = 'arrived' BEGIN {_sqlite_step('NEW', 1, with_spoil_by)} END",
        "CREATE TRIGGER queue_counts_delete AFTER DELETE ON bookings "
        f"WHEN OLD.status = 'arrived' BEGIN {_sqlite_step('OLD', -1, with_spoil_by)} END",
        f"CREATE TRIGGER queue_counts_update AFTER UPDATE OF {of} ON bookings "
        "WHEN (OLD.status = 'arrived' OR NEW.status = 'arrived') AND NOT ("
        "OLD.status = NEW.status AND OLD.gate_id = NEW.gate_id AND OLD.direction = NEW.direction "
        f"AND OLD.queue_class IS NEW.queue_class AND OLD.queue_behind = NEW.queue_behind{same}) "
        f"BEGIN {_sqlite_step('OLD', -1, with_spoil_by)} "
        f"{_sqlite_step('NEW', 1, with_spoil_by)} END",
    ]


def _follow(with_spoil_by: bool) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in (_pg_trigger if postgres else _sqlite_triggers)(with_spoil_by):
        op.execute(statement)


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spoil_by", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("spoil_risk_told_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.drop_index("ix_bookings_queue_order")
        batch_op.create_index("ix_bookings_queue_order", _NEW_ORDER, unique=False)
    with op.batch_alter_table("queue_counts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("with_spoil_by", sa.Integer(), server_default="0", nullable=False)
        )
    _follow(with_spoil_by=True)
    op.execute(_COUNT_SPOIL_BY_ONCE)


def downgrade() -> None:
    # Dropping columns makes SQLite copy the tables, which a trigger naming them would stop:
    # the triggers go first and come back (as 0017 made them) after the columns are gone.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS queue_counts_follow ON bookings")
    else:
        for name in ("queue_counts_insert", "queue_counts_delete", "queue_counts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("queue_counts", schema=None) as batch_op:
        batch_op.drop_column("with_spoil_by")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_queue_order")
        batch_op.create_index("ix_bookings_queue_order", _OLD_ORDER, unique=False)
        batch_op.drop_column("spoil_risk_told_at")
        batch_op.drop_column("spoil_by")
    _follow(with_spoil_by=False)

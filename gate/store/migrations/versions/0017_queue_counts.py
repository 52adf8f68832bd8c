"""the yard queue's counts per gate, direction, class and on time or behind, kept by triggers

Revision ID: 0017_queue_counts
Revises: 0016_board_reads_indexes
Create Date: 2026-11-30 05:00:00

Issue 20, "counters, not scans": every check-in batch counted the whole waiting yard of its
gate to place its trucks, and the projector counted it again for each board (about 500 rows
per check-in in a batch of 20 and 41,000 per projection with 10,000 trucks waiting:
loadtests/queue_rows.py). ``queue_counts`` holds those counts. Triggers on ``bookings`` keep
them in the transaction of every change to a waiting vehicle (a vehicle waits while its
status is 'arrived'), whichever statement makes it: the ORM's, a set-based batch's, an
officer's call, a sweep's expiry, a test's UPDATE. A class of '' stands for a vehicle without
one, which the boards count as regular but which is ahead of no one in a class. On
PostgreSQL the trigger first takes a transaction lock of the gate's counts
(``pg_advisory_xact_lock``), so two transactions changing several counts of one gate queue
behind each other instead of each holding a count the other wants (a deadlock). The upgrade
counts the waiting vehicles once; ``gate.yard.counts.rebuild`` recounts at any time.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_queue_counts"
down_revision: str | None = "0016_board_reads_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = "gate_id, direction, queue_class, behind"
_COUNT_ONCE = """INSERT INTO queue_counts (gate_id, direction, queue_class, behind, waiting)
SELECT gate_id, direction, coalesce(queue_class, ''), queue_behind, count(*)
FROM bookings WHERE status = 'arrived'
GROUP BY gate_id, direction, coalesce(queue_class, ''), queue_behind"""

_PG_FOLLOW = [
    """CREATE FUNCTION queue_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = 'arrived' AND NEW.status = 'arrived'
       AND OLD.gate_id = NEW.gate_id AND OLD.direction = NEW.direction
       AND OLD.queue_class IS NOT DISTINCT FROM NEW.queue_class
       AND OLD.queue_behind = NEW.queue_behind THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.status = 'arrived' THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('queue_counts:' || OLD.gate_id, 0));
        INSERT INTO queue_counts (gate_id, direction, queue_class, behind, waiting)
        VALUES (OLD.gate_id, OLD.direction, coalesce(OLD.queue_class, ''), OLD.queue_behind, -1)
        ON CONFLICT (gate_id, direction, queue_class, behind)
        DO UPDATE SET waiting = queue_counts.waiting - 1;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status = 'arrived' THEN
        PERFORM pg_advisory_xact_lock(hashtextextended('queue_counts:' || NEW.gate_id, 0));
        INSERT INTO queue_counts (gate_id, direction, queue_class, behind, waiting)
        VALUES (NEW.gate_id, NEW.direction, coalesce(NEW.queue_class, ''), NEW.queue_behind, 1)
        ON CONFLICT (gate_id, direction, queue_class, behind)
        DO UPDATE SET waiting = queue_counts.waiting + 1;
    END IF;
    RETURN NULL;
END;
$$""",
    "CREATE TRIGGER queue_counts_follow AFTER INSERT OR DELETE "
    "OR UPDATE OF status, gate_id, direction, queue_class, queue_behind ON bookings "
    "FOR EACH ROW EXECUTE FUNCTION queue_counts_follow()",
]


def _sqlite_step(row: str, change: int) -> str:
    """One count moved by ``change`` for the ``row`` (OLD or NEW) when it waits. SQLite's
    upsert after a SELECT needs its WHERE, which it has."""
    return (
        f"INSERT INTO queue_counts ({_KEY}, waiting) "
        f"SELECT {row}.gate_id, {row}.direction, coalesce({row}.queue_class, ''), "
        f"{row}.queue_behind, {change} WHERE {row}.status = 'arrived' "
        f"ON CONFLICT ({_KEY}) DO UPDATE SET waiting = waiting + {change};"
    )


_SQLITE_FOLLOW = [
    "CREATE TRIGGER queue_counts_insert AFTER INSERT ON bookings "
    f"WHEN NEW.status = 'arrived' BEGIN {_sqlite_step('NEW', 1)} END",
    "CREATE TRIGGER queue_counts_delete AFTER DELETE ON bookings "
    f"WHEN OLD.status = 'arrived' BEGIN {_sqlite_step('OLD', -1)} END",
    "CREATE TRIGGER queue_counts_update "
    "AFTER UPDATE OF status, gate_id, direction, queue_class, queue_behind ON bookings "
    "WHEN (OLD.status = 'arrived' OR NEW.status = 'arrived') AND NOT ("
    "OLD.status = NEW.status AND OLD.gate_id = NEW.gate_id AND OLD.direction = NEW.direction "
    "AND OLD.queue_class IS NEW.queue_class AND OLD.queue_behind = NEW.queue_behind) "
    f"BEGIN {_sqlite_step('OLD', -1)} {_sqlite_step('NEW', 1)} END",
]


def upgrade() -> None:
    op.create_table(
        "queue_counts",
        sa.Column("gate_id", sa.String(length=36), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("queue_class", sa.String(length=12), nullable=False),
        sa.Column("behind", sa.Boolean(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["gate_id"], ["gates.id"], name=op.f("fk_queue_counts_gate_id_gates")
        ),
        sa.PrimaryKeyConstraint(
            "gate_id", "direction", "queue_class", "behind", name=op.f("pk_queue_counts")
        ),
    )
    op.execute(_COUNT_ONCE)
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _PG_FOLLOW if postgres else _SQLITE_FOLLOW:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS queue_counts_follow ON bookings")
        op.execute("DROP FUNCTION IF EXISTS queue_counts_follow()")
    else:
        for name in ("queue_counts_insert", "queue_counts_delete", "queue_counts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("queue_counts")

"""indexes for the live boards' reads of the latest calls and decisions

Revision ID: 0016_board_reads_indexes
Revises: 0015
Create Date: 2026-11-30 03:00:00

The projector rebuilds every gate's boards every two seconds, and three of its reads had no
index to stop at the newest rows: a gate's latest calls for the forecast's accuracy, a
direction's calls of the last hour for the service rate (``ix_bookings_gate_called``), and
the latest agency decisions for the agencies' times (``ix_clearance_decisions_decided``).
Over a year of about a million bookings and two million decisions they scanned both tables
whole, about 1.9 s of PostgreSQL per gate and round, which starved every other request of
the two cores (docs/benchmarks.md, "Statistics over a year"); with them, about 2 ms.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016_board_reads_indexes"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_bookings_gate_called", "bookings", ["gate_id", "called_at"])
    op.create_index("ix_clearance_decisions_decided", "clearance_decisions", ["decided_at"])


def downgrade() -> None:
    op.drop_index("ix_clearance_decisions_decided", table_name="clearance_decisions")
    op.drop_index("ix_bookings_gate_called", table_name="bookings")

"""the statistics count trucks turned back and queue entries expired, and every booking is
folded again

Revision ID: 0014_statistics_counts
Revises: 0013
Create Date: 2026-12-06 09:00:00

Issue 17 (statistics that do not mislead): ``statistics_hours`` gains ``turned_back`` and
``expired`` (gate/domain/statistics.py says what they count), 0 for the rows there. What a
booking contributes changed too (expired trucks' waits, the waits by the hour they ended, the
time to a refusal), so every gate's mark goes back to 0: the next fold (each sweep round, or
``gate statistics update``) reads every chain from its start and folds each booking named
again, taking its last contributions away (``statistics_bookings``) and adding its new ones.
``gate statistics rebuild`` does the same at once. A downgrade drops the two columns and
empties the rollups and each booking's last contributions (which name the new columns, which
the older code could not take away), and resets the marks: the older code folds every
booking afresh.
Named for itself: another revision 0014 may be renumbered when branches meet.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_statistics_counts"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("turned_back", "expired")


def _fold_again() -> None:
    # The "*" mark is the rebuild's lock, not a chain: it keeps its row.
    op.execute("UPDATE statistics_marks SET seq = 0 WHERE chain <> '*'")


def upgrade() -> None:
    with op.batch_alter_table("statistics_hours") as table:
        for name in _COLUMNS:
            table.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    _fold_again()


def downgrade() -> None:
    op.execute("DELETE FROM statistics_bookings")
    op.execute("DELETE FROM statistics_times")
    op.execute("DELETE FROM statistics_hours")
    with op.batch_alter_table("statistics_hours") as table:
        for name in reversed(_COLUMNS):
            table.drop_column(name)
    _fold_again()

"""the request that appended each audit entry: audit_log.request_id

Revision ID: 0019_audit_request_ids
Revises: 0018_checkin_pipelines
Create Date: 2026-11-30 08:00:00

Issue 13: an audit entry names the request that caused it (gate/request_ids.py), so that an
operator finds one request's access line, events and entries by one id. Nullable: entries
appended before, and by work no request asked for (sweeps, the CLI), have none. Outside the
hash chain's canonical form (docs/architecture.md, "Request ids"): old entries verify as
before. Plain ALTER TABLE on both databases (SQLite 3.35 and later drop a column too): a
batch rebuild of the table on SQLite would lose its append-only triggers.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_audit_request_ids"
down_revision: str | None = "0018_checkin_pipelines"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("request_id", sa.String(length=128), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE audit_log DROP COLUMN request_id")

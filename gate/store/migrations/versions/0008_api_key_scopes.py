"""api key scopes: what each enterprise API key may do

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00

Before this revision every enterprise API key acted as a manager of its enterprise (booking,
fleet, and also its users and keys). Keys that exist keep exactly that: the upgrade gives them
the scope ``manager``, so no integration stops working on the day of the upgrade; their
managers can issue narrower keys and revoke these. New keys are issued with the scope their
issuer chooses (``gate/accounts/principal.py::KeyScope``). The column has no default in the
database: a key inserted without a scope is an error, never a manager by accident. A downgrade
drops the column, and every key is a manager again, as it was.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The server default fills the existing rows, then goes: new rows must say their scope.
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scope", sa.String(length=20), nullable=False, server_default="manager")
        )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.alter_column("scope", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("scope")

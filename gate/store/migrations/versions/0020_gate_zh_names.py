"""gates' names in Chinese: gates.name_zh

Revision ID: 0020_gate_zh_names
Revises: 0019_audit_request_ids
Create Date: 2026-11-30 12:00:00

Issue 16: the pages in Chinese named each gate by its Vietnamese or English name. Nullable: a
gate an administrator adds has none until given one, and the pages then show its English name
(services/web/names.py). The four gates of Lạng Sơn get theirs here (gate/gates/seed.py says
which names and why); a database seeded later gets them from the seed. Plain ALTER TABLE on
both databases, as 0019.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_gate_zh_names"
down_revision: str | None = "0019_audit_request_ids"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As gate/gates/seed.py::LANG_SON_GATES writes them (a migration does not import the seed: the
# seed may change after this revision ran).
NAMES_ZH = {
    "huu-nghi": "友谊国际口岸（友谊关）",
    "tan-thanh": "新清口岸（浦寨）",
    "coc-nam": "谷南口岸（弄尧）",
    "chi-ma": "峙马口岸（爱店）",
}


def upgrade() -> None:
    op.add_column("gates", sa.Column("name_zh", sa.String(length=200), nullable=True))
    gates = sa.table("gates", sa.column("code", sa.String), sa.column("name_zh", sa.String))
    for code, name in NAMES_ZH.items():
        op.execute(gates.update().where(gates.c.code == code).values(name_zh=name))


def downgrade() -> None:
    op.execute("ALTER TABLE gates DROP COLUMN name_zh")

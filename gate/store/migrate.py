"""Running the Alembic migrations from code (``gate db upgrade|current|history``, start-up,
tests), through Alembic's own API: its command for upgrading, its script directory and
migration context for what is applied and what is not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext, MigrationInfo
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from gate.config import Settings
from gate.store.database import create_engine

MIGRATIONS = Path(__file__).parent / "migrations"

# Called once per migration applied, after it ran and before its transaction ends: the
# revision id and the first line of its docstring (gate db upgrade's progress).
Applied = Callable[[str, str], None]


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head", applied: Applied | None = None) -> None:
    """Bring the schema to ``revision``; blocking, so call it outside a running event loop.
    ``applied`` hears of each migration as it is applied (env.py hands it to Alembic's
    ``on_version_apply``)."""
    config = alembic_config(database_url)
    if applied is not None:
        step_applied = applied  # bound for the closure: mypy does not narrow into it

        def heard(*, step: MigrationInfo, **_: Any) -> None:
            if step.is_upgrade and step.up_revision_id is not None:
                # A Script (Alembic's revision with its file's docstring) in practice.
                doc = getattr(step.up_revision, "doc", "")
                step_applied(step.up_revision_id, _one_line(doc))

        config.attributes["on_version_apply"] = heard
    command.upgrade(config, revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration of the code: its revision id, the first line of its docstring, and
    whether the database has it."""

    revision: str
    doc: str
    applied: bool


@dataclass(frozen=True, slots=True)
class SchemaState:
    """What the database has and what the code brings: ``current`` the revisions the database
    is at (empty: no migration applied), ``head`` the code's latest, ``migrations`` every
    migration of the code, oldest first. ``unknown``: a revision the database is at that this
    code does not have (a newer release migrated it)."""

    current: tuple[str, ...]
    head: str
    migrations: tuple[Migration, ...]
    unknown: tuple[str, ...]

    @property
    def pending(self) -> tuple[Migration, ...]:
        return tuple(m for m in self.migrations if not m.applied)


async def schema_state(settings: Settings) -> SchemaState:
    """Where the database of ``settings`` stands against the code's migrations (one read of
    Alembic's version table). SQLAlchemyError or OSError when it cannot be reached."""
    scripts = ScriptDirectory.from_config(alembic_config(settings.database_url))
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            current = await connection.run_sync(_current_heads)
    finally:
        await engine.dispose()
    known = {s.revision for s in scripts.walk_revisions()}
    unknown = tuple(r for r in current if r not in known)
    applied: set[str] = set()
    for revision in current:
        if revision in known:
            applied |= {s.revision for s in scripts.iterate_revisions(revision, "base")}
    migrations = tuple(
        Migration(s.revision, _one_line(s.doc), s.revision in applied)
        for s in reversed(list(scripts.walk_revisions()))
    )
    head = scripts.get_current_head() or ""
    return SchemaState(tuple(current), head, migrations, unknown)


def _current_heads(connection: Connection) -> tuple[str, ...]:
    return MigrationContext.configure(connection).get_current_heads()


def _one_line(doc: str | None) -> str:
    """A migration's title: its docstring's first paragraph (Alembic's ``doc``) on one line."""
    return " ".join((doc or "").split())

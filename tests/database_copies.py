"""A test database kept as it is at one moment and put back as often as a test needs: so that a
property test sets a gate up once and runs each example twice or more from the same rows (the
same booking ids and codes in each run, which makes the runs comparable row by row).

SQLite: the file copied with SQLite's backup API (which reads through the write-ahead log);
each run gets a fresh copy. PostgreSQL: every table's rows read once, and written back into the
same database by COPY after its rows are deleted (as ``tests.services.reset_postgres`` does for
the seed), the audit log's refusal to be changed off for that one session (which also keeps
the triggers that keep ``queue_counts`` from counting the bookings written back a second time).

The gates' check-in leases (``checkin_pipelines``) are not kept: a lease names a process that
serves the original database (the test's API, whose batcher took the gate's lease during the
set-up) and the address it takes forwarded batches at. Kept, it would send a copy's check-ins
to that process, which decides them in the original database, until the lease expires by the
wall clock. A copy starts with its gates' pipelines free, as no process has served it yet.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import asyncpg

from tests.services import plain_url, public_tables

Rows = dict[str, tuple[list[str], list[tuple[Any, ...]]]]
# Rows of processes, not of the data: left out of the copy (see above).
NOT_KEPT = ("checkin_pipelines",)


class DatabaseCopy:
    """The database at ``url`` as it was when ``keep`` ran; ``put_back`` returns the URL of a
    database holding exactly those rows again (a new file on SQLite, the same database on
    PostgreSQL). Nothing may be connected to it while ``keep`` or ``put_back`` runs but idle
    pools."""

    def __init__(self, url: str, workdir: Path) -> None:
        self.url = url
        self._workdir = workdir
        self._copies = 0
        self._rows: Rows = {}

    @property
    def _sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def _path(self, url: str) -> Path:
        return Path(url.split("///", 1)[1])

    async def keep(self) -> None:
        """Remember the database's rows as they are now."""
        if self._sqlite:
            kept = self._workdir / "kept.db"
            _backup(self._path(self.url), kept)
            with sqlite3.connect(kept) as writing:
                for table in NOT_KEPT:
                    writing.execute(f'DELETE FROM "{table}"')
            writing.close()
            return
        connection = await asyncpg.connect(plain_url(self.url))
        try:
            self._rows = {}
            for table in await public_tables(connection):
                if table in NOT_KEPT:
                    continue
                rows = await connection.fetch(f'SELECT * FROM "{table}"')
                if rows:
                    self._rows[table] = (list(rows[0].keys()), [tuple(r.values()) for r in rows])
        finally:
            await connection.close()

    async def put_back(self) -> str:
        """A database holding the kept rows and nothing else; its URL."""
        if self._sqlite:
            self._copies += 1
            path = self._workdir / f"copy-{self._copies}.db"
            _backup(self._workdir / "kept.db", path)
            return f"sqlite+aiosqlite:///{path}"
        connection = await asyncpg.connect(plain_url(self.url))
        try:
            async with connection.transaction():
                await connection.execute("SET LOCAL session_replication_role = replica")
                for table in await public_tables(connection):
                    await connection.execute(f'DELETE FROM "{table}"')
                for table, (columns, records) in self._rows.items():
                    await connection.copy_records_to_table(table, records=records, columns=columns)
        finally:
            await connection.close()
        return self.url


def _backup(source: Path, target: Path) -> None:
    target.unlink(missing_ok=True)
    with sqlite3.connect(source) as reading, sqlite3.connect(target) as writing:
        reading.backup(writing)
    reading.close()
    writing.close()

"""A PostgreSQL primary and a real streaming replica of it, both the test's own (never the
machine's shared server): ``initdb`` for the primary (tests/own_services.py), then
``pg_basebackup -R`` of the running primary for the replica, which streams from it.

Both listen on Unix sockets in folders of their own (no port to pick and then race another
process for). The replica's WAL replay can be paused and resumed, and either server stopped
and started, by the test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path

import asyncpg

from tests.own_services import POSTGRES_BIN, START_WITHIN_S, OwnPostgres


class OwnReplica(OwnPostgres):
    """A hot standby made by ``pg_basebackup -R -X stream`` from ``primary`` (running)."""

    def __init__(self, primary: OwnPostgres) -> None:  # no initdb: a copy of the primary
        self.folder = Path(tempfile.mkdtemp(prefix="gate-own-replica-"))
        self.data = self.folder / "data"
        self._user = "postgres" if os.geteuid() == 0 else None
        if self._user is not None:
            shutil.chown(self.folder, self._user, self._user)
        self._run(
            POSTGRES_BIN / "pg_basebackup",
            "-D",
            self.data,
            "-R",  # standby.signal, and primary_conninfo naming the primary's socket folder
            "-X",
            "stream",
            "-c",
            "fast",  # a checkpoint at once, not one spread over minutes
            "--no-sync",  # a throwaway copy: no fsync of every file
            "-h",
            primary.folder,
            "-U",
            "postgres",
        )
        # The copied postgresql.conf names the primary's socket folder; a later line wins.
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"unix_socket_directories = '{self.folder}'\nhot_standby = on\n")


async def query(dsn: str, sql: str, *args: object) -> object:
    """One value asked of the server at ``dsn`` on a connection of its own."""
    connection = await asyncpg.connect(dsn, timeout=START_WITHIN_S)
    try:
        return await connection.fetchval(sql, *args)
    finally:
        await connection.close()


async def wait_for(dsn: str, sql: str, within: float = START_WITHIN_S) -> None:
    """Until ``sql`` answers true at ``dsn`` (errors while the server starts count as not
    yet); AssertionError after ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    last: object = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            if await query(dsn, sql):
                return
        except (OSError, asyncpg.PostgresError) as error:
            last = error
        await asyncio.sleep(0.05)
    raise AssertionError(f"{sql!r} at {dsn}: not true within {within} s ({last})")

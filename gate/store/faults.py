"""Which way the database is unavailable, told from the error a driver raised: the one place
that knows PostgreSQL's SQLSTATEs, SQLite's result codes and the socket errors in between.

Every kind here is a condition of the database, not of the request: nothing was committed, and
the same request may succeed once the condition goes (services/common/problems.py answers each
503 with a message that names it). The kinds and their sources:

* ``starting-up``: SQLSTATE 57P03 ``cannot_connect_now`` while the server starts or recovers
  after a crash ("the database system is starting up", "... is in recovery mode", "... is
  not yet accepting connections").
* ``shutting-down``: 57P01 ``admin_shutdown`` (a fast or smart stop ends every session),
  57P02 ``crash_shutdown`` (another backend crashed), and 57P03 with "shutting down".
* ``read-only``: 25006 ``read_only_sql_transaction``: a hot standby, a server in recovery, or
  ``default_transaction_read_only`` set; writes fail, reads work.
* ``read-only-file``: SQLite's ``SQLITE_READONLY`` ("attempt to write a readonly database"):
  the file or its folder is not writable, or was not when the connection was opened (SQLite
  then opens read-only, and that connection stays so: see ``sticks_to_connection``).
* ``disk-full``: SQLite's ``SQLITE_FULL``, PostgreSQL's 53100 ``disk_full``.
* ``io-error``: SQLite's ``SQLITE_IOERR`` and ``SQLITE_CANTOPEN`` (the file cannot be read or
  opened: a removed disk, a folder made unreadable).
* ``busy``: no connection free in time (the pool's timeout, PostgreSQL's 53300
  ``too_many_connections``) or SQLite's write lock not granted within its busy timeout.
* ``cancelled``: 57014 ``query_canceled`` and 55P03 ``lock_not_available``: the server gave up
  on the statement (a ``statement_timeout`` or ``lock_timeout`` set on the role or database,
  or an operator's ``pg_cancel_backend``); the connection stays good.
* ``unreachable``: connection refused, reset or lost (SQLSTATE class 08, socket errors,
  timeouts while connecting, a connection SQLAlchemy found dead).
* ``no-answer``: the readiness probe's bound passed without an answer (a stalled server, or
  SQLite's write lock held that long).
* ``unavailable``: any other ``OperationalError`` of the driver, and PostgreSQL's other
  class 53 ``insufficient_resources`` states (out of memory, a configuration limit); kept as
  a 503 because they are conditions of the server, not of the statement.

SQLSTATEs: PostgreSQL 15 documentation, appendix A "PostgreSQL Error Codes"; SQLite result
codes: https://www.sqlite.org/rescode.html (the primary code is the low byte).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from enum import StrEnum

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout


class Unavailable(StrEnum):
    """A way the database can be unavailable; the value is the problem's ``reason``."""

    STARTING_UP = "starting-up"
    SHUTTING_DOWN = "shutting-down"
    READ_ONLY = "read-only"
    READ_ONLY_FILE = "read-only-file"
    DISK_FULL = "disk-full"
    IO_ERROR = "io-error"
    BUSY = "busy"
    CANCELLED = "cancelled"
    UNREACHABLE = "unreachable"
    NO_ANSWER = "no-answer"
    UNAVAILABLE = "unavailable"

    @property
    def description(self) -> str:
        """What is wrong, in a sentence an operator can act on."""
        return _DESCRIPTIONS[self]

    @property
    def sticks_to_connection(self) -> bool:
        """Whether a connection that met this stays broken after the cause went away, so the
        pool must drop it (and those opened with it) rather than hand it out again: a
        session ended by the server, a server that restarted or changed role, an SQLite file
        opened while it could not be written."""
        return self not in {
            Unavailable.BUSY,
            Unavailable.CANCELLED,
            Unavailable.DISK_FULL,
            Unavailable.NO_ANSWER,
            Unavailable.UNAVAILABLE,
        }


_DESCRIPTIONS = {
    Unavailable.STARTING_UP: "the database is starting up or recovering",
    Unavailable.SHUTTING_DOWN: "the database is shutting down",
    Unavailable.READ_ONLY: "the database is read-only (in recovery or a standby); it takes "
    "no writes",
    Unavailable.READ_ONLY_FILE: "the database file cannot be written (is its folder read-only?)",
    Unavailable.DISK_FULL: "the database's disk is full",
    Unavailable.IO_ERROR: "the database file cannot be read or opened",
    Unavailable.BUSY: "the database has no connection free just now",
    Unavailable.CANCELLED: "the database cancelled the statement (a statement or lock timeout, "
    "or an operator)",
    Unavailable.UNREACHABLE: "the database cannot be reached",
    Unavailable.NO_ANSWER: "the database did not answer in time",
    Unavailable.UNAVAILABLE: "the database is unavailable",
}

_BY_SQLSTATE = {
    "57P01": Unavailable.SHUTTING_DOWN,
    "57P02": Unavailable.SHUTTING_DOWN,
    "25006": Unavailable.READ_ONLY,
    "53100": Unavailable.DISK_FULL,
    "53300": Unavailable.BUSY,
    "57014": Unavailable.CANCELLED,
    "55P03": Unavailable.CANCELLED,
}

_BY_SQLITE_CODE = {
    sqlite3.SQLITE_READONLY: Unavailable.READ_ONLY_FILE,
    sqlite3.SQLITE_FULL: Unavailable.DISK_FULL,
    sqlite3.SQLITE_IOERR: Unavailable.IO_ERROR,
    sqlite3.SQLITE_CANTOPEN: Unavailable.IO_ERROR,
    sqlite3.SQLITE_BUSY: Unavailable.BUSY,
    sqlite3.SQLITE_LOCKED: Unavailable.BUSY,
}


def unavailability(error: BaseException) -> Unavailable | None:
    """How the database is unavailable according to ``error`` (as raised by SQLAlchemy, or
    by a driver underneath it while connecting), or None for anything else: a bad query, a
    broken constraint, a bug."""
    if isinstance(error, PoolTimeout):
        return Unavailable.BUSY
    told = getattr(error, "unavailable", None)
    if isinstance(told, Unavailable):
        return told  # met by another process acting for this one (gate/checkins/wire.py)
    found = [k for c in _causes(error) if (k := _by_sqlstate(c) or _by_sqlite_code(c))]
    # The most telling first: a lost connection (class 08) whose cause names why it was lost.
    for kind in found:
        if kind is not Unavailable.UNREACHABLE:
            return kind
    if found or isinstance(error, ConnectionError | OSError | TimeoutError | InterfaceError):
        return Unavailable.UNREACHABLE
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return Unavailable.UNREACHABLE
    if isinstance(error, OperationalError):
        return Unavailable.UNAVAILABLE
    return None


def _causes(error: BaseException) -> Iterator[BaseException]:
    """``error``, the driver's error SQLAlchemy wraps, and what caused each (asyncpg's
    "connection was closed" carries the server's AdminShutdownError as its cause)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        each = pending.pop(0)
        if each is None or id(each) in seen or len(seen) > 8:
            continue
        seen.add(id(each))
        yield each
        pending.extend([getattr(each, "orig", None), each.__cause__, each.__context__])


def _by_sqlstate(error: BaseException) -> Unavailable | None:
    state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    if not isinstance(state, str):
        return None
    if state == "57P03":
        # One SQLSTATE for both ends of the server's life; only the message tells them apart.
        if "shutting down" in str(error):
            return Unavailable.SHUTTING_DOWN
        return Unavailable.STARTING_UP
    if state in _BY_SQLSTATE:
        return _BY_SQLSTATE[state]
    if state.startswith("08"):
        return Unavailable.UNREACHABLE
    if state.startswith("53"):
        return Unavailable.UNAVAILABLE
    return None


def _by_sqlite_code(error: BaseException) -> Unavailable | None:
    code = getattr(error, "sqlite_errorcode", None)
    if not isinstance(error, sqlite3.Error) or not isinstance(code, int):
        return None
    return _BY_SQLITE_CODE.get(code & 0xFF)  # extended codes keep the primary in the low byte

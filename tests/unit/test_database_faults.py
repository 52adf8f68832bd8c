"""Each way the database can be unavailable is told apart from the error the driver raised,
in the shapes SQLAlchemy hands them over; a bad query is no fault of the database's."""

from __future__ import annotations

import sqlite3

import asyncpg.exceptions as pg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gate.store.faults import Unavailable, unavailability


class _Translated(Exception):
    """What SQLAlchemy's asyncpg adaptation puts in ``orig``: the SQLSTATE, and the asyncpg
    exception as its cause."""

    def __init__(self, cause: BaseException, sqlstate: str | None) -> None:
        super().__init__(str(cause))
        self.sqlstate = sqlstate
        self.__cause__ = cause


def _at_query(cause: BaseException, sqlstate: str | None = None) -> DBAPIError:
    state = sqlstate or getattr(cause, "sqlstate", None)
    return DBAPIError("INSERT INTO bookings ...", {}, _Translated(cause, state))


def _sqlite_error(make: str) -> sqlite3.Error:
    """A real error of SQLite's: a read-only connection written to, or a full database."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (x)")
    connection.execute(make)
    try:
        for _ in range(100):
            connection.execute("INSERT INTO t VALUES (randomblob(4000))")
    except sqlite3.Error as error:
        return error
    finally:
        connection.close()
    raise AssertionError("SQLite took the writes")


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        # While connecting, SQLAlchemy lets asyncpg's own exception through.
        (pg.CannotConnectNowError("the database system is starting up"), "starting-up"),
        (pg.CannotConnectNowError("the database system is shutting down"), "shutting-down"),
        (_at_query(pg.CannotConnectNowError("the database system is starting up")), "starting-up"),
        (_at_query(pg.AdminShutdownError("terminating connection")), "shutting-down"),
        (_at_query(pg.CrashShutdownError("terminating connection")), "shutting-down"),
        # A session ended by a fast stop: "connection was closed", caused by the shutdown.
        (
            _at_query(
                _Translated(pg.AdminShutdownError("terminating connection"), "57P01"), "08003"
            ),
            "shutting-down",
        ),
        (_at_query(pg.ReadOnlySQLTransactionError("cannot execute INSERT")), "read-only"),
        (_at_query(pg.DiskFullError("could not extend file")), "disk-full"),
        (_at_query(pg.TooManyConnectionsError("sorry, too many clients")), "busy"),
        # A statement_timeout or lock_timeout set on the role, or pg_cancel_backend.
        (_at_query(pg.QueryCanceledError("canceling statement due to timeout")), "cancelled"),
        (_at_query(pg.LockNotAvailableError("canceling statement due to lock")), "cancelled"),
        (_at_query(pg.OutOfMemoryError("out of memory")), "unavailable"),
        (_at_query(pg.ConnectionDoesNotExistError("connection was closed")), "unreachable"),
        (ConnectionRefusedError(111, "Connection refused"), "unreachable"),
        (FileNotFoundError(2, "No such file or directory"), "unreachable"),
        (PoolTimeout("QueuePool limit reached"), "busy"),
        (
            OperationalError("INSERT", {}, _sqlite_error("PRAGMA query_only = 1")),
            "read-only-file",
        ),
        (OperationalError("INSERT", {}, _sqlite_error("PRAGMA max_page_count = 3")), "disk-full"),
    ],
)
def test_each_way_the_database_is_unavailable_is_named(error: BaseException, kind: str):
    assert unavailability(error) == Unavailable(kind)


def test_a_bad_statement_is_no_fault_of_the_database():
    duplicate = pg.UniqueViolationError("duplicate key value")
    assert unavailability(IntegrityError("INSERT", {}, _Translated(duplicate, "23505"))) is None
    assert unavailability(_at_query(pg.DeadlockDetectedError("deadlock detected"))) is None
    assert unavailability(ValueError("not a database error")) is None


def test_faults_that_outlive_their_cause_on_a_connection_make_the_pool_drop_it():
    # A connection to a server that stopped or changed role, or an SQLite file opened while
    # it could not be written, is no good once the cause has gone: the pool must drop it.
    for kind in ("shutting-down", "starting-up", "read-only", "read-only-file", "unreachable"):
        assert Unavailable(kind).sticks_to_connection
    # A pool that was full, or a full disk, leaves the connection as good as it was.
    for kind in ("busy", "cancelled", "disk-full"):
        assert not Unavailable(kind).sticks_to_connection

"""Engines and sessions for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Collection
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, String, any_, bindparam, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError, DisconnectionError, InvalidatePoolError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import QueryableAttribute

from gate.config import Settings
from gate.store.faults import Unavailable, unavailability
from gate.store.pool_metrics import timed_pool, watch_pool

log = logging.getLogger("gate.store")

SQLITE_BUSY_TIMEOUT_S = 30
READ_ONLY_OPTION = "gate_read_only"
PRIMARY = "primary"  # the primary's pool, as /metrics names it


def create_engine(
    settings: Settings, *, url: str | None = None, connect_timeout_s: float | None = None
) -> AsyncEngine:
    """The engine of ``settings.database_url`` (or of ``url``, another PostgreSQL server with
    the same pool settings: the read replica); its pool drops the connections a database fault
    leaves broken (see ``_drop_broken_connections``). ``connect_timeout_s``: how long opening
    a PostgreSQL connection may take (asyncpg's default, 60 s, when None)."""
    engine = (
        _create_sqlite_engine(settings)
        if settings.is_sqlite and url is None
        else _create_postgres_engine(settings, url or settings.database_url, connect_timeout_s)
    )
    event.listen(engine.sync_engine, "handle_error", _drop_broken_connections)
    watch_pool(engine, PRIMARY, settings.db_pool_size + settings.db_pool_overflow)
    return engine


def _drop_broken_connections(context: ExceptionContext) -> None:
    """Count a fault that sticks to a connection as a disconnect: SQLAlchemy then closes the
    connection instead of pooling it again, and invalidates the rest of the pool (opened
    before the fault, so as suspect), and the next checkout opens a fresh one. So the
    platform recovers by itself once the cause goes: a PostgreSQL that restarted or was
    promoted, an SQLite file opened read-only while its folder was (such a connection stays
    read-only for life, however writable the file becomes)."""
    kind = unavailability(context.original_exception)
    if kind is not None and kind.sticks_to_connection:
        context.is_disconnect = True


def _create_postgres_engine(
    settings: Settings, url: str, connect_timeout_s: float | None
) -> AsyncEngine:
    engine = create_async_engine(
        url,
        connect_args={} if connect_timeout_s is None else {"timeout": connect_timeout_s},
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_overflow,
        # No ping per checkout (issue 20: through asyncpg, round trips on every request and
        # every check-in batch): _drop_closed_connections finds a restart's dead connections
        # without asking the server.
        pool_pre_ping=False,
        pool_recycle=1800,
        pool_timeout=settings.db_pool_timeout_s,
        hide_parameters=True,  # see _create_sqlite_engine
        poolclass=timed_pool(PRIMARY),  # the default pool, its checkouts timed for /metrics
    )
    event.listen(engine.sync_engine.pool, "checkout", _drop_closed_connections)
    return engine


def _drop_closed_connections(_dbapi: Any, record: Any, _proxy: Any) -> None:
    """On checkout, a connection the server closed is dropped with every pooled connection
    opened before it, and the pool opens a fresh one for this checkout (SQLAlchemy retries
    it). The server closes its sessions' sockets when it stops or restarts (a fast or
    immediate shutdown, a crash) or ends a backend (``pg_terminate_backend``), and asyncpg
    sees the end of the stream as it comes, so ``is_closed()`` knows without a round trip;
    the first request after a restart is served. A connection lost without a word (a cut
    network) fails its first statement instead: ``_drop_broken_connections`` counts that a
    disconnect, that one request answers 503 (``gate.store.faults``), and the pool is renewed
    for the next."""
    connection = record.driver_connection
    if connection is not None and connection.is_closed():
        raise InvalidatePoolError("the server closed this connection")


# Where a pooled SQLite connection's record says it was opened read-only (``record.info``).
_OPENED_READ_ONLY = "gate_opened_read_only"


def _create_sqlite_engine(settings: Settings) -> AsyncEngine:
    engine = create_async_engine(
        settings.database_url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_overflow,
        # A database error's message names its statement, not the values it was given
        # (plates, e-mails, names): a traceback in the logs must carry no personal data.
        hide_parameters=True,
        poolclass=timed_pool(PRIMARY),  # the default pool, its checkouts timed for /metrics
    )

    database = engine.url.database

    @event.listens_for(engine.sync_engine, "do_connect")
    def _before_connect(_dialect: Any, record: Any, _args: Any, _params: Any) -> None:
        # Opened while the file or its folder cannot be written, the connection can only
        # read for its life: remembered, to drop it once they can (_drop_read_only_openings).
        # Asked before the file is opened, so a folder made writable meanwhile cannot mark a
        # read-only connection writable.
        record.info[_OPENED_READ_ONLY] = not _sqlite_file_writable(database)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module, so that BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _drop_read_only_openings(_dbapi: Any, record: Any, _proxy: Any) -> None:
        """A connection opened while the file could not be written is dropped at checkout
        once it can, and the pool opens a fresh one (SQLAlchemy retries the checkout). The
        pool's invalidation after a write refused only covers connections opened before
        that refusal: one opened after it for a read, while the folder was still read-only,
        would otherwise answer a later write 503 long after the folder came back."""
        if record.info.get(_OPENED_READ_ONLY) and _sqlite_file_writable(database):
            raise DisconnectionError("opened read-only; the database file is writable again")

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writing transaction takes the write lock up front (BEGIN IMMEDIATE): two writers
        # then queue on the busy timeout instead of failing with "database is locked" when a
        # reader upgrades to a writer. Reads need no lock under WAL.
        if connection.get_execution_options().get(READ_ONLY_OPTION):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_session_factory(
    engine: AsyncEngine, *, read_only: bool = False
) -> async_sessionmaker[AsyncSession]:
    """Sessions on ``engine``; ``read_only`` ones take no write lock on SQLite."""
    bind = engine.execution_options(**{READ_ONLY_OPTION: True}) if read_only else engine
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False)


def conflict_insert(session: AsyncSession) -> Any:
    """The INSERT of the session's database, the one that knows ON CONFLICT (PostgreSQL's or
    SQLite's): how claims and first writers are made race-free on both."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


# SQLSTATEs of a transaction the database chose to abort because of another one: a deadlock
# (40P01) or a serialization failure (40001). Nothing was committed; the same request may
# succeed if sent again.
TRANSIENT_CONFLICT_STATES = frozenset({"40P01", "40001"})


def among(
    session: AsyncSession, column: QueryableAttribute[Any], values: Collection[str]
) -> ColumnElement[bool]:
    """``column IN values``, for a mapped column of strings. On PostgreSQL
    ``column = ANY(:array)``: one parameter whatever the count, where an IN is expanded at
    each execution into a parameter per value, each rendered and processed by SQLAlchemy
    (issue 20, the booking rush's batch reads). On SQLite an IN."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(String)))
    return column.in_(list(values))


def is_transient_conflict(error: BaseException) -> bool:
    """A deadlock or serialization failure: answered 503 with Retry-After, never 500."""
    if not isinstance(error, DBAPIError):
        return False
    for cause in (error.orig, getattr(error.orig, "__cause__", None)):
        state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if state in TRANSIENT_CONFLICT_STATES:
            return True
    return False


def is_outage(error: BaseException) -> bool:
    """The database is unavailable (``gate.store.faults``), as opposed to a bad query:
    answered 503, and not worth retrying event by event."""
    return unavailability(error) is not None


# A statement the database must let write and that changes nothing: no row matches, so it
# locks no row and touches no business data, yet a read-only server, transaction or SQLite
# connection refuses it before looking for rows (PostgreSQL checks a statement's kind when it
# starts; SQLite opens a write transaction on the file first).
WRITE_PROBE = text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0")


async def probe_writable(engine: AsyncEngine, timeout_s: float) -> Unavailable | None:
    """None when the database takes a write now, else how it is unavailable. The probe runs
    on a pooled connection, as requests do, and is rolled back; after ``timeout_s`` it is
    abandoned (``Unavailable.NO_ANSWER``; SQLAlchemy drops a connection cut off mid-way).

    On SQLite the file and its folder must be writable too: a connection opened before they
    became read-only still writes (and SQLite may hand a new connection such a descriptor
    again), so the probe alone could pass while the next connection opened can only read."""
    if engine.dialect.name == "sqlite" and not _sqlite_file_writable(engine.url.database):
        return Unavailable.READ_ONLY_FILE
    try:
        async with asyncio.timeout(timeout_s), engine.connect() as connection:
            await connection.execute(WRITE_PROBE)
            await connection.rollback()
    except TimeoutError:
        return Unavailable.NO_ANSWER
    except Exception as error:
        kind = unavailability(error)
        if kind is None:  # not a fault of the database's (a missing table?): still not ready
            log.exception("store.probe_failed")
            return Unavailable.UNAVAILABLE
        return kind
    return None


def _sqlite_file_writable(database: str | None) -> bool:
    """Whether a connection opened now could write ``database`` (an SQLite path): the file,
    and its folder, where SQLite creates its -wal, -shm and journal files. ``os.access``
    asks the kernel, which also refuses root an immutable file or a read-only mount."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return True
    path = Path(database)
    folder_ok = os.access(path.parent, os.W_OK)
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))

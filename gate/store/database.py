"""Engines and sessions for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from gate.config import Settings

SQLITE_BUSY_TIMEOUT_S = 30
READ_ONLY_OPTION = "gate_read_only"


def create_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        return _create_sqlite_engine(settings)
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_overflow,
        pool_pre_ping=True,  # a database that restarted is found out here, not in a handler
        pool_recycle=1800,
        pool_timeout=settings.db_pool_timeout_s,
    )


def _create_sqlite_engine(settings: Settings) -> AsyncEngine:
    engine = create_async_engine(
        settings.database_url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S},
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_overflow,
    )

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
    """A lost or unreachable database, as opposed to a bad query: answered 503, and not
    worth retrying event by event."""
    if isinstance(error, PoolTimeout | InterfaceError | ConnectionError | OSError | TimeoutError):
        return True
    if isinstance(error, OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated

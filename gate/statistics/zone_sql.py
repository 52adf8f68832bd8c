"""The gates' local day, weekday and hour of a UTC hour column, computed by the database:
PostgreSQL from the zone's name, SQLite by the zone's fixed offset (Asia/Ho_Chi_Minh has kept
UTC+7 since 1975, no summer time). Used by ``reads.py`` where it reads hourly rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, cast, extract, func, literal_column, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from gate.domain.time import LOCAL_TZ
from gate.store.types import UtcDateTime

# SQLite has no zones: the local day and hour are UTC shifted by the zone's one offset.
_SQLITE_SHIFT = f"{int(LOCAL_TZ.utcoffset(datetime(2026, 1, 1)).total_seconds() // 3600):+d} hours"  # type: ignore[union-attr]
_ZONE = str(LOCAL_TZ)


def _on_postgresql(session: AsyncSession) -> bool:
    return bool(session.get_bind().dialect.name == "postgresql")


def _constant(text: str) -> Any:
    """One of this module's constant strings written into the statement, not bound: the
    same expression in SELECT and GROUP BY must be the same text for PostgreSQL to accept
    it, and two bound parameters are two placeholders."""
    assert "'" not in text
    return literal_column(f"'{text}'")


def local_day(session: AsyncSession, hour: Any) -> Any:
    """The start of a UTC hour column's local day, as an SQL expression (an instant, read
    back as an aware UTC datetime)."""
    if _on_postgresql(session):
        day = func.date_trunc(_constant("day"), hour, _constant(_ZONE))
    else:
        day = func.datetime(
            hour,
            _constant(_SQLITE_SHIFT),
            _constant("start of day"),
            _constant(_negated(_SQLITE_SHIFT)),
        )
    return type_coerce(day, UtcDateTime())


def _negated(shift: str) -> str:
    return ("-" if shift.startswith("+") else "+") + shift[1:]


def local_weekday_and_hour(session: AsyncSession, hour: Any) -> tuple[Any, Any]:
    """The local weekday (Monday 0) and hour (0 to 23) of a UTC hour column, in SQL."""
    if _on_postgresql(session):
        local = func.timezone(_constant(_ZONE), hour)
        weekday = cast(extract("isodow", local), Integer) - literal_column("1")
        return weekday, cast(extract("hour", local), Integer)
    shift = _constant(_SQLITE_SHIFT)
    sunday_first = cast(func.strftime(_constant("%w"), hour, shift), Integer)
    weekday = (sunday_first + literal_column("6")) % literal_column("7")
    return weekday, cast(func.strftime(_constant("%H"), hour, shift), Integer)

"""The service rates of a gate's directions as they were at given moments, for the forecast
of each vehicle's call: the columns and parameters of the rates' part of the one statement
``gate.yard.places.places_and_rates`` runs for a check-in batch, and its reading."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.sql.elements import ColumnElement

from gate.domain.forecast import SERVICE_WINDOW, ServiceRate, rate_from_count
from gate.domain.slots import Direction
from gate.store.tables import Booking, GateDirection, Lane
from gate.store.types import UtcDateTime

_DIRECTIONS = tuple(Direction)
# A filler moment for the unused places of a statement's size: it counts nothing of interest.
_NOBODY = datetime(2000, 1, 1, tzinfo=UTC)


@cache
def rates_columns(size: int) -> list[ColumnElement[Any]]:
    """Calls made in the SERVICE_WINDOW before each of ``size`` moments, then each
    direction's open lanes and planned hourly capacity."""
    columns: list[ColumnElement[Any]] = []
    for n in range(size):
        columns.append(
            select(func.count())
            .where(
                Booking.gate_id == bindparam("p_gate"),
                Booking.direction == bindparam(f"r_direction_{n}"),
                Booking.called_at >= bindparam(f"r_since_{n}", type_=UtcDateTime()),
                Booking.called_at <= bindparam(f"r_until_{n}", type_=UtcDateTime()),
            )
            .scalar_subquery()
        )
    for direction in _DIRECTIONS:
        columns.append(
            select(func.count())
            .where(
                Lane.gate_id == bindparam("p_gate"),
                Lane.direction == direction.value,
                Lane.is_open.is_(True),
            )
            .scalar_subquery()
        )
        columns.append(
            select(GateDirection.hourly_capacity)
            .where(
                GateDirection.gate_id == bindparam("p_gate"),
                GateDirection.direction == direction.value,
            )
            .scalar_subquery()
        )
    return columns


def rates_params(params: dict[str, Any], wanted: list[tuple[str, datetime]], size: int) -> None:
    for n in range(size):
        direction, until = wanted[n] if n < len(wanted) else ("", _NOBODY)
        params[f"r_direction_{n}"] = direction
        params[f"r_since_{n}"], params[f"r_until_{n}"] = until - SERVICE_WINDOW, until


def rates_of(
    wanted: list[tuple[str, datetime]],
    moments: Sequence[tuple[str, datetime]],
    size: int,
    row: list[Any],
) -> dict[tuple[str, datetime], ServiceRate]:
    """The rates of ``service_rates`` from the statement's columns of rates."""
    calls, rest = row[: len(wanted)], row[size:]
    lanes = {d.value: int(rest[2 * i] or 0) for i, d in enumerate(_DIRECTIONS)}
    planned = {d.value: int(rest[2 * i + 1] or 0) for i, d in enumerate(_DIRECTIONS)}
    rates = {
        (direction, moment): rate_from_count(int(count or 0), planned[direction], lanes[direction])
        for (direction, moment), count in zip(wanted, calls, strict=True)
    }
    return {(d, moment): rates[d, next_minute(moment)] for d, moment in moments}


def next_minute(moment: datetime) -> datetime:
    whole = moment.replace(second=0, microsecond=0)
    return whole if whole == moment else whole + timedelta(minutes=1)

"""The trucks of a gate's yard whose plate, trailer plate or booking code holds what an officer
searched for (gate/domain/yard_search.py folds both sides alike), the whole yard of a
direction, not only the head of the queue the console lists."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from gate.domain.bookings import IN_YARD_STATUSES
from gate.domain.plate_reads import CONFUSABLE
from gate.domain.slots import Direction
from gate.store.tables import Booking, Gate
from gate.store.tables.base import table_of
from gate.store.unit_of_work import UnitOfWork

# A search that finds more than this is too vague to read: the console lists this many and
# says so. Enough for a whole lane's worth of one haulier's trucks.
MAX_FOUND = 50
_bookings = table_of(Booking)


def _folded(column: ColumnElement[str | None]) -> ColumnElement[str | None]:
    """``gate.domain.plate_reads.fold`` in SQL: each confusable letter as its digit. Plates
    and codes are stored in their normal form (upper case, no separators), so folding them
    is all that is left; REPLACE exists on both databases."""
    folded = column
    for digit, letters in CONFUSABLE.items():
        for letter in letters:
            folded = func.replace(folded, letter, digit)
    return folded


async def find_in_yard(
    uow: UnitOfWork, gate: Gate, direction: Direction, key: str, limit: int = MAX_FOUND
) -> list[Booking]:
    """The trucks in the yard of ``gate`` and ``direction`` (waiting, called, at inspection or
    held) whose plate, trailer plate (declared, or read at check-in) or booking code holds
    ``key``, a non-empty ``search_key``; at most ``limit`` of them, in booking id order.
    ``key`` is matched as text (LIKE with its ``%`` and ``_`` escaped), never as a pattern.
    One statement; it reads every truck of the direction's yard (the folding defeats any
    index), a few thousand rows in a crisis, and runs only while a search is asked for."""
    statuses = [s.value for s in IN_YARD_STATUSES]
    found = or_(
        *(
            _folded(column).contains(key, autoescape=True)
            for column in (
                _bookings.c.plate,
                _bookings.c.trailer_plate,
                _bookings.c.arrived_trailer_plate,
                _bookings.c.code,
            )
        )
    )
    query = (
        select(Booking)
        .where(
            Booking.gate_id == gate.id,
            Booking.direction == direction.value,
            Booking.status.in_(statuses),
            found,
        )
        .order_by(Booking.id)
        .limit(limit)
    )
    return list(await uow.session.scalars(query))

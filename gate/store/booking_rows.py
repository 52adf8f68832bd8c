"""A booking as a plain row: what the check-in batch loads, judges and moves without the ORM
(issue 20: no mapped objects loaded, tracked or flushed on the hot path; building and flushing
them was a fifth of the decider's CPU in the profile of docs/benchmarks.md).

``BookingRow`` has the ``bookings`` columns the check-in reads or writes, under the mapped
class's names, so code that only reads a booking takes either (``AnyBooking``). The check-in
writes its changes back itself, in one statement per batch (gate/checkins/statements.py).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from gate.store.tables import Booking


@dataclass(slots=True, eq=False)
class BookingRow:
    """One ``bookings`` row as loaded (or, for a walk-in, as it will be inserted). Mutable: a
    move changes it in memory first, as a mapped booking would be, and the batch then writes
    the changed rows together."""

    id: str
    code: str
    enterprise_id: str | None
    gate_id: str
    direction: str
    slot_id: str
    slot_start: datetime
    plate: str
    active_plate: str | None
    trailer_plate: str | None
    active_trailer_plate: str | None
    perishable: bool
    status: str
    version: int
    walk_in: bool
    queue_class: str | None
    queue_behind: bool
    arrived_at: datetime | None
    missed_calls: int
    arrived_trailer_plate: str | None
    predicted_call_at: datetime | None
    # Read for the queue's order (perishables first by deadline); a walk-in has none.
    spoil_by: datetime | None = None

    @classmethod
    def of(cls, row: Any) -> BookingRow:
        """From a result row (or any object) with the columns of ``COLUMNS`` by name."""
        return cls(*(getattr(row, name) for name in COLUMNS))


# The columns a BookingRow holds, in its fields' order (the SELECT lists them so).
COLUMNS = tuple(f.name for f in fields(BookingRow))
# What code that only reads a booking takes: a mapped one or a plain row.
AnyBooking = Booking | BookingRow

"""The check-in batch's own statements, in SQLAlchemy Core, built once at import and reused by
every batch (issue 20: no mapped objects loaded or flushed on the hot path). Lists of values
go in as expanding parameters or executemany rows, so one statement serves every batch size.

The same statements run on PostgreSQL and SQLite; ``FOR UPDATE OF bookings`` is left out of
SQLite's SQL by SQLAlchemy (one writer at a time there anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import (
    ColumnElement,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
    update,
)

from gate.domain.plate_reads import CONFUSABLE
from gate.domain.time import as_utc, utc_now
from gate.store.audit import LockedHead
from gate.store.booking_rows import COLUMNS, BookingRow
from gate.store.tables import Booking, CheckinRecord, Enterprise, PendingRead, YardVisit
from gate.store.tables.base import table_of
from gate.store.types import UtcDateTime
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Answer:
    """An event's answer as its record stores it: the encoded body, its outcome and the
    booking it names."""

    device_id: str
    event_id: str
    outcome: str
    booking_id: str | None
    body: bytes


_encoder = msgspec.json.Encoder()
_bookings = table_of(Booking)
_enterprises = table_of(Enterprise)
_ROW = [_bookings.c[name] for name in COLUMNS]


def _folded(column: ColumnElement[str | None]) -> ColumnElement[str | None]:
    """``gate.domain.plate_reads.fold`` in SQL (REPLACE exists on both databases)."""
    folded = column
    for digit, letters in CONFUSABLE.items():
        for letter in letters:
            folded = func.replace(folded, letter, digit)
    return folded


def _with_aeo(where: ColumnElement[bool]) -> Any:
    """Bookings (their BookingRow columns) with whether their enterprise is an Authorised
    Economic Operator (None for a walk-in's), locked in id order: only the bookings (``FOR
    UPDATE OF bookings``), so two devices reading one truck at once take turns."""
    return (
        select(*_ROW, _enterprises.c.is_aeo)
        .select_from(
            _bookings.outerjoin(_enterprises, _enterprises.c.id == _bookings.c.enterprise_id)
        )
        .where(where)
        .order_by(_bookings.c.id)
        .with_for_update(of=_bookings)
    )


def _named_and_visits() -> Any:
    """Every booking a batch's reads name by either plate or by code (``kind`` 'b', locked
    in id order), then the open yard visits of the trucks with those plates or the bookings'
    (``kind`` 'v', ``v_*`` columns, locked in id order after the bookings: docs/architecture.md,
    "Lock order"; gate/dispatch/arrivals.py::open_visits). One round trip for both: the
    bookings' CTE is read whole before the visits are (PostgreSQL's Append runs its parts in
    order, and the visits' IN reads the materialised CTE)."""
    held = _with_aeo(
        or_(
            _bookings.c.active_plate.in_(bindparam("plates", expanding=True)),
            _bookings.c.active_trailer_plate.in_(bindparam("plates", expanding=True)),
            _bookings.c.code.in_(bindparam("codes", expanding=True)),
        )
    ).cte("held")
    visits = (
        select(_visits.c.id, _visits.c.plate, _visits.c.booking_id, _visits.c.entered_at)
        .where(
            or_(
                _visits.c.active_plate.in_(bindparam("plates", expanding=True)),
                _visits.c.active_plate.in_(select(held.c.plate)),
            )
        )
        .order_by(_visits.c.id)
        .with_for_update()
        .cte("visits")
    )
    nothing = [cast(null(), _visits.c[name].type).label(f"v_{name}") for name in _VISIT]
    bookings_part = select(literal_column("'b'").label("kind"), *held.c, *nothing)
    no_booking = [cast(null(), column.type) for column in held.c]
    visits_part = select(literal_column("'v'"), *no_booking, *visits.c)
    return union_all(bookings_part, visits_part)


_visits = table_of(YardVisit)
_VISIT = ("id", "plate", "booking_id", "entered_at")
NAMED_AND_VISITS = _named_and_visits()
# The gate's active bookings whose plates fold to one of the keys (reads that named none).
EXPECTED = _with_aeo(
    (_bookings.c.gate_id == bindparam("gate"))
    & _bookings.c.active_plate.is_not(None)
    & or_(
        _folded(_bookings.c.active_plate).in_(bindparam("keys", expanding=True)),
        _folded(_bookings.c.active_trailer_plate).in_(bindparam("keys", expanding=True)),
    )
)
# Active bookings holding these plates, read and not locked (gate/checkins/places.py).
HOLDING = (
    select(*_ROW)
    .where(_bookings.c.active_plate.in_(bindparam("plates", expanding=True)))
    .order_by(_bookings.c.id)
)

# What a booking's moves at check-in change (gate/checkins/moves.py): one executemany.
_MOVED = (
    *("status", "version", "active_plate", "active_trailer_plate"),
    *("arrived_at", "queue_class", "queue_behind", "arrived_trailer_plate"),
)
MOVE = (
    update(_bookings)
    .where(_bookings.c.id == bindparam("b_id"))
    .values(
        {
            **{name: bindparam(f"b_{name}", type_=_bookings.c[name].type) for name in _MOVED},
            "updated_at": bindparam("b_now", type_=UtcDateTime()),
        }
    )
)
# The forecast of each truck that joined the queue (gate/checkins/standing.py).
_FORECAST = (
    update(_bookings)
    .where(_bookings.c.id == bindparam("booking"))
    .values(
        predicted_call_at=bindparam("forecast", type_=UtcDateTime()),
        updated_at=bindparam("now", type_=UtcDateTime()),
    )
)
_records = table_of(CheckinRecord)
# Each event's answer, stored on its record for the retries to replay.
_ANSWERS = (
    update(_records)
    .where(
        _records.c.device_id == bindparam("record_device"),
        _records.c.event_id == bindparam("record_event"),
    )
    .values(
        outcome=bindparam("outcome"), booking_id=bindparam("booking_id"), answer=bindparam("body")
    )
)
# PostgreSQL: both in one statement of one shape whatever the batch's size, the rows given as
# JSON documents (as gate/store/audit.py appends): one round trip, prepared once. Its result
# is the gate's audit head, locked: the batch's last lock, which the commit's append would
# otherwise take with a round trip of its own (gate/store/audit.py::append, ``locked``).
_OUTCOMES_ON_POSTGRES = text(
    """
    WITH forecast AS (
        UPDATE bookings SET predicted_call_at = f.forecast, updated_at = :now
        FROM json_to_recordset(CAST(CAST(:forecasts AS text) AS json))
            AS f(booking varchar, forecast timestamptz)
        WHERE bookings.id = f.booking
    )
    , answered AS (
        UPDATE checkin_records AS r
        SET outcome = a.outcome, booking_id = a.booking_id, answer = convert_to(a.body, 'UTF8')
        FROM json_to_recordset(CAST(CAST(:answers AS text) AS json)) AS a(
            device_id varchar, event_id varchar, outcome varchar, booking_id varchar, body text)
        WHERE r.device_id = a.device_id AND r.event_id = a.event_id
    )
    SELECT chain, seq, entry_hash FROM audit_heads WHERE chain = :chain FOR UPDATE
    """
).bindparams(bindparam("now", type_=UtcDateTime()))
# The reads left for an officer (gate/checkins/service.py): one executemany.
PENDING = insert(table_of(PendingRead))


async def store_outcomes(
    uow: UnitOfWork,
    chain: str,
    forecasts: Sequence[tuple[str, datetime | None]],
    answers: Sequence[Answer],
) -> None:
    """Write the forecasts of the trucks that joined the queue (booking id, forecast) and
    the events' answers on their records. One round trip on PostgreSQL, which also locks the
    audit head of ``chain`` (the gate's, where the batch's events go) for the commit's append
    (``uow.locked_heads``); an executemany each on SQLite (whose statements cannot carry an
    UPDATE in a WITH, and whose writers take turns anyway)."""
    session = uow.session
    now = utc_now()
    if session.get_bind().dialect.name != "postgresql":
        if forecasts:
            rows = [{"booking": b, "forecast": f, "now": now} for b, f in forecasts]
            await session.execute(_FORECAST, rows)
        if answers:
            await session.execute(_ANSWERS, [_answer_row(answer) for answer in answers])
        return
    # As JSON by msgspec, the times in RFC 3339 with their offset (timestamptz reads them
    # back exactly), the bodies as text (they are UTF-8 JSON already).
    forecast_rows = [
        {"booking": b, "forecast": None if f is None else as_utc(f)} for b, f in forecasts
    ]
    answer_rows = [
        {
            "device_id": a.device_id,
            "event_id": a.event_id,
            "outcome": a.outcome,
            "booking_id": a.booking_id,
            "body": a.body.decode(),
        }
        for a in answers
    ]
    params = {
        "now": now,
        "chain": chain,
        "forecasts": _encoder.encode(forecast_rows).decode(),
        "answers": _encoder.encode(answer_rows).decode(),
    }
    head = (await session.execute(_OUTCOMES_ON_POSTGRES, params)).first()
    if head is not None:  # None: the chain's first entry is still to come (no head yet)
        uow.locked_heads[chain] = LockedHead(head.chain, head.seq, head.entry_hash)


def _answer_row(answer: Answer) -> dict[str, Any]:
    return {
        "record_device": answer.device_id,
        "record_event": answer.event_id,
        "outcome": answer.outcome,
        "booking_id": answer.booking_id,
        "body": answer.body,
    }


def moved_row(booking: BookingRow, now: Any) -> dict[str, Any]:
    """The parameters of ``MOVE`` for ``booking`` as it stands in memory."""
    row = {f"b_{name}": getattr(booking, name) for name in _MOVED}
    row["b_id"], row["b_now"] = booking.id, now
    return row

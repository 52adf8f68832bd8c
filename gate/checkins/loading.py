"""The first phase of a check-in batch: every booking its reads can touch, loaded and locked."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Result, Select, func, or_, select
from sqlalchemy.orm.attributes import InstrumentedAttribute

from gate.checkins.matching import Known, fuzzy_key
from gate.checkins.reads import DeviceEvent, Reader, wanted_plates_and_codes
from gate.dispatch.arrivals import open_visits
from gate.domain.plate_reads import CONFUSABLE, fold
from gate.store.tables import Booking, Enterprise, Gate
from gate.store.unit_of_work import UnitOfWork


async def load(uow: UnitOfWork, gate: Gate, reads: Sequence[tuple[Reader, DeviceEvent]]) -> Known:
    """Every booking the events name by either plate or code, locked in id order: two
    devices reading one truck at once take turns (PostgreSQL; SQLite serialises writers
    anyway). Then, only for reads that named none, the gate's active bookings whose plates
    fold to the same key (one more statement, and none on the hot path). Each booking comes
    with whether its enterprise is an AEO. Last, the open yard visits of every truck those can
    be (one statement)."""
    plates, codes = wanted_plates_and_codes([event for _, event in reads])
    found: list[Booking] = []
    aeo: set[str] = set()
    if plates or codes:
        query = (
            _with_aeo()
            .where(
                or_(
                    Booking.active_plate.in_(plates),
                    Booking.active_trailer_plate.in_(plates),
                    Booking.code.in_(codes),
                )
            )
            .order_by(Booking.id)
            .with_for_update(of=Booking)
            .execution_options(populate_existing=True)
        )
        found = _split(await uow.session.execute(query), aeo)
    by_plate = {b.active_plate: b for b in found if b.active_plate is not None}
    by_plate |= {b.active_trailer_plate: b for b in found if b.active_trailer_plate is not None}
    keys = {
        key
        for reader, event in reads
        if not reader.by_hand and event.booking_code is None
        if (key := fuzzy_key(event.plate or "", by_plate)) is not None
    }
    expected: list[Booking] = []
    if keys:
        query = (
            _with_aeo()
            .where(
                Booking.gate_id == gate.id,
                Booking.active_plate.is_not(None),
                or_(
                    _folded(Booking.active_plate).in_(keys),
                    _folded(Booking.active_trailer_plate).in_(keys),
                ),
            )
            .order_by(Booking.id)
            .with_for_update(of=Booking)
            .execution_options(populate_existing=True)
        )
        expected = _split(await uow.session.execute(query), aeo)
    by_fold: dict[str, list[Booking]] = {}
    for booking in expected:
        for plate in (booking.active_plate, booking.active_trailer_plate):
            if plate is not None:
                by_fold.setdefault(fold(plate), []).append(booking)
    # The trucks held in a waiting yard are judged by when they entered it: their visits are
    # looked up (and locked, after the bookings) here, once, and the arrival at the end of
    # the batch acts on them (gate/dispatch/arrivals.py).
    in_yards = await open_visits(uow, plates | {b.plate for b in [*found, *expected]})
    return Known({b.code: b for b in found}, by_plate, aeo, by_fold, in_yards)


def _with_aeo() -> Select[Booking, bool]:
    """Bookings with whether their enterprise is an Authorised Economic Operator (None for a
    walk-in's, which has none): read with the bookings, not in a round trip of their own.
    Only the bookings are locked (``FOR UPDATE OF bookings``)."""
    return select(Booking, Enterprise.is_aeo).outerjoin(
        Enterprise, Enterprise.id == Booking.enterprise_id
    )


def _split(rows: Result[Booking, bool], aeo: set[str]) -> list[Booking]:
    """The bookings of ``rows``; their enterprises that are AEO added to ``aeo``."""
    bookings = []
    for booking, is_aeo in rows:
        bookings.append(booking)
        if is_aeo and booking.enterprise_id is not None:
            aeo.add(booking.enterprise_id)
    return bookings


def _folded(column: InstrumentedAttribute[str | None]) -> ColumnElement[str | None]:
    """``gate.domain.plate_reads.fold`` in SQL (REPLACE exists on both databases)."""
    folded: ColumnElement[str | None] = column.expression
    for digit, letters in CONFUSABLE.items():
        for letter in letters:
            folded = func.replace(folded, letter, digit)
    return folded

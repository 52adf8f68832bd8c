"""The first phase of a check-in batch: every booking its reads can touch, loaded and locked."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, or_, select
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
    fold to the same key (one more statement, and none on the hot path). Last, the open yard
    visits of every truck those can be (one statement)."""
    plates, codes = wanted_plates_and_codes([event for _, event in reads])
    found: list[Booking] = []
    if plates or codes:
        query = (
            select(Booking)
            .where(
                or_(
                    Booking.active_plate.in_(plates),
                    Booking.active_trailer_plate.in_(plates),
                    Booking.code.in_(codes),
                )
            )
            .order_by(Booking.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        found = list(await uow.session.scalars(query))
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
            select(Booking)
            .where(
                Booking.gate_id == gate.id,
                Booking.active_plate.is_not(None),
                or_(
                    _folded(Booking.active_plate).in_(keys),
                    _folded(Booking.active_trailer_plate).in_(keys),
                ),
            )
            .order_by(Booking.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        expected = list(await uow.session.scalars(query))
    by_fold: dict[str, list[Booking]] = {}
    for booking in expected:
        for plate in (booking.active_plate, booking.active_trailer_plate):
            if plate is not None:
                by_fold.setdefault(fold(plate), []).append(booking)
    enterprises = {b.enterprise_id for b in [*found, *expected] if b.enterprise_id is not None}
    aeo: set[str] = set()
    if enterprises:
        aeo = set(
            await uow.session.scalars(
                select(Enterprise.id).where(
                    Enterprise.id.in_(enterprises), Enterprise.is_aeo.is_(True)
                )
            )
        )
    # The trucks held in a waiting yard are judged by when they entered it: their visits are
    # looked up (and locked, after the bookings) here, once, and the arrival at the end of
    # the batch acts on them (gate/dispatch/arrivals.py).
    in_yards = await open_visits(uow, plates | {b.plate for b in [*found, *expected]})
    return Known({b.code: b for b in found}, by_plate, aeo, by_fold, in_yards)


def _folded(column: InstrumentedAttribute[str | None]) -> ColumnElement[str | None]:
    """``gate.domain.plate_reads.fold`` in SQL (REPLACE exists on both databases)."""
    folded: ColumnElement[str | None] = column.expression
    for digit, letters in CONFUSABLE.items():
        for letter in letters:
            folded = func.replace(folded, letter, digit)
    return folded

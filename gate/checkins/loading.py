"""The first phase of a check-in batch: every booking its reads can touch, loaded and locked,
as plain rows (gate/store/booking_rows.py) by the statements of gate/checkins/statements.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row

from gate.checkins.matching import Known, fuzzy_key
from gate.checkins.reads import DeviceEvent, Reader, wanted_plates_and_codes
from gate.checkins.statements import EXPECTED, NAMED_AND_VISITS
from gate.dispatch.arrivals import OpenVisit, open_visits
from gate.domain.plate_reads import fold
from gate.store.booking_rows import BookingRow
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork


async def load(uow: UnitOfWork, gate: Gate, reads: Sequence[tuple[Reader, DeviceEvent]]) -> Known:
    """Every booking the events name by either plate or code, locked in id order: two
    devices reading one truck at once take turns (PostgreSQL; SQLite serialises writers
    anyway). Then, only for reads that named none, the gate's active bookings whose plates
    fold to the same key (one more statement, and none on the hot path). Each booking comes
    with whether its enterprise is an AEO. The open yard visits of every truck those can be
    come with the named bookings (gate/checkins/statements.py::NAMED_AND_VISITS)."""
    plates, codes = wanted_plates_and_codes([event for _, event in reads])
    found: list[BookingRow] = []
    aeo: set[str] = set()
    in_yards: dict[str, OpenVisit] = {}
    if plates or codes:
        rows = await uow.session.execute(
            NAMED_AND_VISITS, {"plates": sorted(plates), "codes": sorted(codes)}
        )
        for row in rows:
            if row.kind == "v":
                in_yards[row.v_plate] = OpenVisit(
                    row.v_id, row.v_plate, row.v_booking_id, row.v_entered_at
                )
            else:
                found.append(_booking(row, aeo))
    by_plate = {b.active_plate: b for b in found if b.active_plate is not None}
    by_plate |= {b.active_trailer_plate: b for b in found if b.active_trailer_plate is not None}
    keys = {
        key
        for reader, event in reads
        if not reader.by_hand and event.booking_code is None
        if (key := fuzzy_key(event.plate or "", by_plate)) is not None
    }
    expected: list[BookingRow] = []
    if keys:
        rows = await uow.session.execute(EXPECTED, {"gate": gate.id, "keys": sorted(keys)})
        expected = [_booking(row, aeo) for row in rows]
    # A booking loaded by both statements is one row: the judging compares them by identity.
    same = {b.id: b for b in found}
    expected = [same.get(b.id, b) for b in expected]
    by_fold: dict[str, list[BookingRow]] = {}
    for booking in expected:
        for plate in (booking.active_plate, booking.active_trailer_plate):
            if plate is not None:
                by_fold.setdefault(fold(plate), []).append(booking)
    # The trucks held in a waiting yard are judged by when they entered it: their visits are
    # looked up (and locked, after the bookings) with the named bookings, once, and the
    # arrival at the end of the batch acts on them (gate/dispatch/arrivals.py). Only the
    # expected trucks' plates (rare: misreads) cost a statement of their own.
    looked_up = plates | {b.plate for b in found}
    if extra := {b.plate for b in expected} - looked_up:
        in_yards |= await open_visits(uow, extra)
    return Known({b.code: b for b in found}, by_plate, aeo, by_fold, in_yards)


def _booking(row: Row[Any], aeo: set[str]) -> BookingRow:
    """The booking of ``row`` (its columns, and whether its enterprise is an AEO, which is
    added to ``aeo`` when it is)."""
    booking = BookingRow.of(row)
    if row.is_aeo and booking.enterprise_id is not None:
        aeo.add(booking.enterprise_id)
    return booking

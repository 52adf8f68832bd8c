"""Where a batch of check-ins must be cut so that it still decides as the events alone would.

A batch gives the walk-ins their places after judging every read (``gate.checkins.places``):
each hour's places given back by the batch's lapsed bookings first, then taken by its walk-ins
in order; a walk-in truck read again in the batch follows its first read (``SameTruckAs``:
in the yard, or no room either). That equals one event at a time except in two cases, which
the property test tests/integration/test_checkin_batches_as_one_by_one.py found:

* a walk-in truck read again at a camera of another direction, at a kiosk, in another hour,
  or spelled otherwise than its plate (a misread that fits it among other plates): alone,
  once its first read found no room, this read is judged anew (a place in its own hour, a
  refusal for a kiosk, an unreadable plate), instead of inheriting "no room";
* a read that gives back a place (its booking lapsed) in the hour an earlier walk-in of the
  batch asked for: alone, that walk-in found the hour full; in the batch it would take the
  place given back after it;
* a plate read that can stand for a walk-in truck (or its trailer) of an earlier read of the
  batch other than by naming its plate exactly (a misread, ``gate.domain.plate_reads.fold``):
  alone, that walk-in is by then an expected truck the read is matched with; in the batch it
  is not yet, and the read would become a walk-in of its own.

The batch is then decided in two parts in the same transaction, the second after the first
(``first_out_of_turn`` says where); rare, so the batch's handful of statements is kept for the
rest. The bookings of the whole batch are loaded and locked before either part, so bookings
are still locked before slots; but the second part's slot rows are locked after the first
part's, so across the two parts they are not always in ascending id order: against a
transaction that holds two of those slot rows, PostgreSQL may then find a deadlock and abort
one of the two, which fails as any failed transaction does (nothing is committed or answered).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from gate.checkins.matching import read_of
from gate.checkins.verdicts import Judged, Refused, SameTruckAs, WalkIn
from gate.domain.checkin import walk_in_slot
from gate.domain.plate_reads import fold
from gate.domain.time import as_utc


def first_out_of_turn(judged: Sequence[Judged]) -> int | None:
    """The index of the first read (never 0) that the reads before it in ``judged`` would
    decide otherwise than one by one; None when the batch can be decided whole."""
    asked: set[tuple[str, datetime]] = set()  # (direction, hour) a walk-in asked a place in
    walk_in_keys: set[str] = set()  # the folded plates of the walk-ins and their trailers
    for index, item in enumerate(judged):
        verdict = item.verdict
        plate = item.event.plate if item.event.booking_code is None else None
        fits_a_walk_in = plate is not None and fold(read_of(plate)) in walk_in_keys
        if fits_a_walk_in and not isinstance(verdict, SameTruckAs):  # the third case above
            return index
        if isinstance(verdict, Refused | WalkIn) and verdict.lapsed is not None:
            lapsed = verdict.lapsed
            if (lapsed.direction, as_utc(lapsed.slot_start)) in asked:
                return index
        if isinstance(verdict, WalkIn):
            asked.add((verdict.direction, as_utc(verdict.hour)))
            walk_in_keys.add(fold(verdict.plate))
            if verdict.trailer is not None:
                walk_in_keys.add(fold(verdict.trailer))
        if isinstance(verdict, SameTruckAs):
            first = judged[verdict.first].verdict
            assert isinstance(first, WalkIn)
            hour = as_utc(walk_in_slot(item.event.observed_at))
            asks_the_same = (item.reader.direction, hour) == (first.direction, as_utc(first.hour))
            if not asks_the_same or read_of(plate or "") != first.plate:
                return index
    return None

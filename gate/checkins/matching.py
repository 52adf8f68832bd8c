"""Which truck a camera read names: by either of its plates, resolving what the camera may have
confused by the plate grammar and by the trucks the gate expects.

In this order, each step only when the one before found nothing:

1. the read's grammar readings (``gate.domain.plate_reads.readings``: the read itself when it
   is a valid plate) against the active bookings' tractor and trailer plates, every gate;
2. a walk-in already made for one of those readings earlier in the same batch;
3. the read's folded key against the keys of the trucks expected at this gate in the
   reader's direction (loaded only for reads that step 1 left unmatched: one query a batch);
4. the one grammar reading, as the plate of a vehicle without booking.

One booking is that truck; several are for an officer to settle; none and no single reading
is an unreadable plate.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from gate.dispatch.arrivals import OpenVisit
from gate.domain.plate_reads import fold, readings
from gate.domain.plates import MAX_PLATE_INPUT, mask_plate, normalise_plate, parse_plate
from gate.store.booking_rows import BookingRow

if TYPE_CHECKING:
    from gate.checkins.reads import DeviceEvent

# Beyond this many, a pending read lists the first ones: an officer can type the plate.
MAX_CANDIDATES = 10


@dataclass(frozen=True)
class Known:
    """The bookings a batch can touch, as loaded (and locked) by the service; judging reads
    them and never changes them (what earlier reads of the batch did is in ``SoFar``)."""

    by_code: Mapping[str, BookingRow]
    by_plate: Mapping[str, BookingRow]  # active ones, by tractor and by trailer plate
    aeo_enterprises: AbstractSet[str]
    # Active bookings of this gate by the folded keys of their plates: only for the reads
    # that named no booking exactly.
    by_fold: Mapping[str, list[BookingRow]] = field(default_factory=dict)
    # The open yard visits of the trucks the reads can name, by plate (locked with them).
    in_yards: Mapping[str, OpenVisit] = field(default_factory=dict)

    def entered_yard(self, booking: BookingRow) -> datetime | None:
        """When the booking's truck entered the waiting yard it is held in, or None when it
        is in no yard with this booking (gate/domain/checkin.py::judge_held_arrival)."""
        visit = self.in_yards.get(booking.plate)
        if visit is None or visit.booking_id != booking.id:
            return None
        return visit.entered_at


@dataclass
class SoFar:
    """What the reads judged so far in a batch changed, for the ones after them: bookings
    that arrived or lapsed, and the walk-ins made. Judging's own running state, kept while
    it folds over the batch; its verdicts are what leaves it."""

    arrived: set[str] = field(default_factory=set)  # booking ids
    lapsed: set[str] = field(default_factory=set)  # booking ids, ended in this batch
    freed: set[str] = field(default_factory=set)  # the lapsed bookings' plates
    walk_ins: dict[str, int] = field(default_factory=dict)  # plate -> index of its first read
    walk_in_trailers: set[str] = field(default_factory=set)  # trailers a walk-in claimed

    def booked(self, plate: str, known: Known) -> BookingRow | None:
        """The active booking holding ``plate`` (as tractor or trailer) now."""
        return None if plate in self.freed else known.by_plate.get(plate)

    def lapse(self, booking: BookingRow) -> None:
        """The booking ended in this batch: its plates are free again."""
        self.lapsed.add(booking.id)
        self.freed.add(booking.plate)
        if booking.trailer_plate is not None:
            self.freed.add(booking.trailer_plate)


@dataclass(frozen=True, slots=True)
class Match:
    """What a read names: one booking, a plate without booking, several candidates, or
    nothing readable. ``corrected`` when that is not the read as the camera spelled it."""

    booking: BookingRow | None = None
    plate: str | None = None
    candidates: tuple[BookingRow, ...] = ()
    corrected: bool = False


def read_of(raw: str) -> str:
    """The read as normalised, for comparing and for officers (never shown to the public)."""
    return normalise_plate(raw[: MAX_PLATE_INPUT * 2])


def fuzzy_key(raw: str, by_plate: Mapping[str, BookingRow]) -> str | None:
    """The folded key to look the read up among the expected trucks, or None when the read
    named a booking exactly (the hot path) or cannot be a plate at all."""
    options = readings(raw)
    if not options or any(plate in by_plate for plate in options):
        return None
    return fold(read_of(raw))


def _distinct(bookings: list[BookingRow]) -> list[BookingRow]:
    return list({booking.id: booking for booking in bookings}.values())


def match_read(
    raw: str, direction: str | None, known: Known, so_far: SoFar, fuzzy: bool = True
) -> Match:
    """The truck a plate read names (see the module's docstring for the order), after what
    the batch's earlier reads changed (``so_far``)."""
    read = read_of(raw)
    options = sorted(readings(raw))
    booked = _distinct([b for plate in options if (b := so_far.booked(plate, known)) is not None])
    if len(booked) == 1:
        (booking,) = booked
        return Match(booking, booking.plate, corrected=read not in _plates_of(booking))
    if booked:
        return Match(candidates=tuple(booked[:MAX_CANDIDATES]))
    for plate in options:
        if plate in so_far.walk_ins:
            return Match(plate=plate, corrected=plate != read)
    if fuzzy and options:
        expected = _distinct(
            [
                booking
                for booking in known.by_fold.get(fold(read), [])
                if booking.id not in so_far.lapsed and direction in (None, booking.direction)
            ]
        )
        if len(expected) == 1:
            return Match(expected[0], expected[0].plate, corrected=True)
        if expected:
            return Match(candidates=tuple(expected[:MAX_CANDIDATES]))
    if len(options) == 1:
        return Match(plate=options[0], corrected=options[0] != read)
    return Match()


def _plates_of(booking: BookingRow) -> tuple[str, ...]:
    if booking.trailer_plate is None:
        return (booking.plate,)
    return booking.plate, booking.trailer_plate


def masked_read(raw: str) -> str:
    """The read as the public may see it: masked like a plate (region and series, the last two
    characters as read) when it has, or reads as, a plate's shape; else its last two only."""
    read = read_of(raw)
    masked = mask_plate(read)
    if masked == "•••" and (options := sorted(readings(raw))):
        masked = mask_plate(options[0])
    if masked == "•••":
        return masked + read[-2:]
    return masked[:-2] + read[-2:]


def read_trailer(event: DeviceEvent) -> str | None:
    """The trailer plate the camera read, when it reads as exactly one trailer's plate."""
    options = readings(event.trailer_plate or "")
    if len(options) != 1:
        return None
    (plate,) = options
    return plate if parse_plate(plate).is_trailer else None

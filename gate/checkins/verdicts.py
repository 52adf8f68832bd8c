"""What judging decides about one read: an immutable verdict, one type per outcome.

Judging (``gate.checkins.judging``) gives each read of a batch a ``Verdict``. Two of them
still wait on the database: a ``WalkIn`` asks for a place in its hour, and ``SameTruckAs``
(a walk-in truck read again in the batch) shares the fate of the first read. Once the places
are taken (``gate.checkins.places``) every read has a ``Final`` verdict, from which its
answer is built (``gate.checkins.answers``). Nothing here is ever changed after it is made:
a later phase makes a new value from an earlier one (``settle``).

The bookings inside are the rows the check-in loaded and locked; a verdict names them, the
moves phase (``gate.checkins.moves``) is the one that changes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import assert_never

from gate.checkins.reads import DeviceEvent, Reader
from gate.domain.checkin import CheckinOutcome, RefusalReason
from gate.domain.plates import mask_plate
from gate.domain.queue import QueueClass
from gate.store.booking_rows import BookingRow


@dataclass(frozen=True, slots=True)
class Refused:
    """Nobody is checked in: ``reason`` and ``detail`` for the device, ``plate`` (masked)
    when the answer shows one. ``lapsed``: the booking this read found past its no-show
    deadline, which lapses (its place given back) although the read is refused."""

    reason: RefusalReason
    detail: str
    plate: str | None = None
    lapsed: BookingRow | None = None


@dataclass(frozen=True, slots=True)
class TooEarly:
    """The booked truck came more than the admission limit before its slot
    (``gate.domain.checkin.MAX_EARLY_ADMISSION``): told to come back, its booking untouched."""

    booking: BookingRow


@dataclass(frozen=True, slots=True)
class NeedsConfirmation:
    """The read fits several expected trucks: an officer settles it, nobody is checked in.
    ``read`` is the read masked for the device's screen."""

    candidates: tuple[BookingRow, ...]
    read: str


@dataclass(frozen=True, slots=True)
class AlreadyInYard:
    """The truck was checked in before (earlier, or earlier in this batch): told its place."""

    booking: BookingRow


@dataclass(frozen=True, slots=True)
class Arrives:
    """A booked truck arrives: ``timing`` is EARLY, ON_TIME or LATE
    (``gate.domain.checkin.judge_arrival``), it joins the queue of ``queue_class``.
    ``other_trailer``: the trailer read when it is not the declared one (admitted, and the
    officers see it)."""

    booking: BookingRow
    timing: CheckinOutcome
    queue_class: QueueClass
    other_trailer: str | None = None

    @property
    def behind(self) -> bool:
        """Queued behind every on-time vehicle of its class."""
        return self.timing is CheckinOutcome.LATE


@dataclass(frozen=True, slots=True)
class WalkIn:
    """A truck without booking asks for a place in ``hour`` (the hour it came in) of
    ``direction``. ``trailer``: the trailer read; ``claims_trailer`` when no other truck holds
    it (the walk-in then holds it as a booked truck would). ``lapsed`` as for ``Refused``: the
    truck's own booking, too late to stand, lapses and it comes in as a walk-in."""

    plate: str
    direction: str
    hour: datetime
    trailer: str | None = None
    claims_trailer: bool = False
    lapsed: BookingRow | None = None


@dataclass(frozen=True, slots=True)
class SameTruckAs:
    """A walk-in truck read again in the batch: ``first`` is the batch index of the read that
    asked for its place; this read's fate follows that one's (``settle``)."""

    first: int


@dataclass(frozen=True, slots=True)
class WalkInAdmitted:
    """A walk-in that got a place: ``booking`` is the row stored for it."""

    booking: BookingRow


Verdict = Refused | TooEarly | NeedsConfirmation | AlreadyInYard | Arrives | WalkIn | SameTruckAs
# Once the walk-ins' places are known: what each read's answer is built from.
Final = Refused | TooEarly | NeedsConfirmation | AlreadyInYard | Arrives | WalkInAdmitted


@dataclass(frozen=True, slots=True)
class Judged:
    """One read and its verdict. ``corrected_from``: the read masked as the camera spelled
    it, when it named another plate (shown in the answer, and marked in the audit log)."""

    reader: Reader
    event: DeviceEvent
    verdict: Verdict
    corrected_from: str | None = None


def no_room(plate: str, lapsed: BookingRow | None = None) -> Refused:
    """A walk-in whose hour is full (or closed): nothing it asked for stands."""
    return Refused(
        RefusalReason.NO_ROOM_FOR_WALK_IN,
        "no booking and this hour is full; book a slot",
        plate=mask_plate(plate),
        lapsed=lapsed,
    )


def settle(judged: Sequence[Judged], walk_ins: Mapping[int, Final]) -> list[Final]:
    """Each read's final verdict, given what became of the walk-ins (by batch index). A second
    read of a walk-in truck finds it in the yard, or, when the first found no room, no room
    either: it asks in the same direction and hour, since a batch where it would not is cut
    before it and that read judged after the first was decided (gate/checkins/turns.py).
    """
    finals: list[Final] = []
    for index, item in enumerate(judged):
        verdict = item.verdict
        match verdict:
            case WalkIn():
                finals.append(walk_ins[index])
            case SameTruckAs(first=first):
                finals.append(_second_read(item.reader, finals[first]))
            case Refused() | TooEarly() | NeedsConfirmation() | AlreadyInYard() | Arrives():
                finals.append(verdict)
            case _:
                assert_never(verdict)
    return finals


def _second_read(reader: Reader, first: Final) -> Final:
    match first:
        case Refused():
            return Refused(first.reason, first.detail, first.plate)  # the lapse was the first's
        case WalkInAdmitted(booking=booking) | AlreadyInYard(booking=booking):
            if reader.direction not in (None, booking.direction):
                return Refused(RefusalReason.WRONG_DIRECTION, f"booked for {booking.direction}")
            return AlreadyInYard(booking)
        case TooEarly() | NeedsConfirmation() | Arrives():
            raise AssertionError(f"a walk-in's first read cannot end as {first!r}")
        case _:
            assert_never(first)


def booking_of(final: Final) -> BookingRow | None:
    """The booking a read's record names (None when it named none that stands)."""
    match final:
        case TooEarly(booking=b) | AlreadyInYard(booking=b) | Arrives(booking=b):
            return b
        case WalkInAdmitted(booking=b):  # a new row, not one the batch loaded
            return b
        case Refused() | NeedsConfirmation():
            return None
        case _:
            assert_never(final)


def wants_place(final: Final) -> bool:
    """Told its place in the queue: a truck in the yard, arrived now or before."""
    return isinstance(final, Arrives | AlreadyInYard | WalkInAdmitted)


def joined_queue(final: Final) -> bool:
    """Joined the queue with this read (its call gets a forecast)."""
    return isinstance(final, Arrives | WalkInAdmitted)

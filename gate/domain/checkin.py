"""Check-in (ghi nhận xe vào bãi): judging a vehicle's arrival at a control yard against its slot.

Arrivals are judged by the time the device *observed* the vehicle, not the time the platform
received the event: a camera that was offline for an hour replays its reads, and those trucks
were on time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gate.domain.time import SLOT_LENGTH, floor_to_slot

# Further ahead than this, a vehicle is told to come back rather than admitted to the yard.
MAX_EARLY_ADMISSION = timedelta(hours=6)


class CheckinOutcome(StrEnum):
    ON_TIME = "on_time"
    EARLY = "early"  # admitted, but queued at its slot time: coming early gains nothing
    LATE = "late"  # admitted behind every on-time vehicle of its class
    WALK_IN = "walk_in"  # no booking; admitted to the live queue while the hour has room
    ALREADY_IN_YARD = "already_in_yard"  # a second read of a vehicle already checked in
    # A read that fits several expected trucks once confusable characters are folded: nobody
    # is checked in (no walk-in either) until an officer says which truck it was.
    NEEDS_CONFIRMATION = "needs_confirmation"
    REFUSED = "refused"


class RefusalReason(StrEnum):
    TOO_EARLY = "too_early"
    WRONG_GATE = "wrong_gate"
    WRONG_DIRECTION = "wrong_direction"
    NO_ROOM_FOR_WALK_IN = "no_room_for_walk_in"
    UNKNOWN_BOOKING_CODE = "unknown_booking_code"
    BOOKING_NOT_ACTIVE = "booking_not_active"
    NO_DIRECTION_FOR_WALK_IN = "no_direction_for_walk_in"
    UNREADABLE_PLATE = "unreadable_plate"
    # A trailer's plate read alone, with no booking behind it: a trailer is not a truck, so it
    # never becomes a walk-in of its own (the camera missed the tractor; read it again).
    TRAILER_WITHOUT_TRUCK = "trailer_without_truck"


@dataclass(frozen=True, slots=True)
class GraceWindow:
    """How early and how late a vehicle may arrive and still count as on time."""

    early: timedelta = timedelta(minutes=30)
    late: timedelta = timedelta(minutes=60)


@dataclass(frozen=True, slots=True)
class ArrivalJudgement:
    outcome: CheckinOutcome
    refusal: RefusalReason | None = None

    @property
    def admitted(self) -> bool:
        return self.outcome in {CheckinOutcome.ON_TIME, CheckinOutcome.EARLY, CheckinOutcome.LATE}

    @property
    def behind(self) -> bool:
        """Queued behind every on-time vehicle of its class."""
        return self.outcome is CheckinOutcome.LATE


def judge_arrival(
    observed_at: datetime, slot_start: datetime, grace: GraceWindow
) -> ArrivalJudgement:
    """On time from ``early`` before the slot starts until ``late`` after it starts (with the
    defaults: 30 minutes before the hour until the hour is over); early before that, refused
    when more than MAX_EARLY_ADMISSION early; late after it."""
    if observed_at < slot_start - grace.early - MAX_EARLY_ADMISSION:
        return ArrivalJudgement(CheckinOutcome.REFUSED, RefusalReason.TOO_EARLY)
    if observed_at < slot_start - grace.early:
        return ArrivalJudgement(CheckinOutcome.EARLY)
    if observed_at < slot_start + grace.late:
        return ArrivalJudgement(CheckinOutcome.ON_TIME)
    return ArrivalJudgement(CheckinOutcome.LATE)


def walk_in_slot(observed_at: datetime) -> datetime:
    """A walk-in takes a place in the hour it arrived in."""
    return floor_to_slot(observed_at)


def no_show_deadline(slot_start: datetime, grace: GraceWindow) -> datetime:
    """After this a booked vehicle that never arrived is a no-show and its place is released.
    It is later than the on-time window: a late vehicle is still admitted (behind the others)
    until the slot after next has begun."""
    return slot_start + grace.late + 2 * SLOT_LENGTH

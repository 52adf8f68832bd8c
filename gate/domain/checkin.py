"""Check-in (ghi nhận xe vào bãi): judging a vehicle's arrival at a control yard against its slot.

Arrivals are judged by the time the device *observed* the vehicle, not the time the platform
received the event: a camera that was offline for an hour replays its reads, and those trucks
were on time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from gate.domain.errors import ValidationFailed
from gate.domain.time import SLOT_LENGTH, as_utc, floor_to_slot

# Further ahead than this, a vehicle is told to come back rather than admitted to the yard.
MAX_EARLY_ADMISSION = timedelta(hours=6)
# How far a device's clock may run ahead of the platform's, and how old an event may be, for
# the check-in to act on it: see ``check_observed_at``.
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_EVENT_AGE = timedelta(days=2)


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


def judge_held_arrival(
    entered_yard_at: datetime, slot_start: datetime, grace: GraceWindow
) -> ArrivalJudgement:
    """A booked truck that reaches the gate from a waiting yard, judged by when it entered
    the yard: on time if that was before ``slot_start + grace.late``, late otherwise; never
    refused as too early, and never lapsed as too late, whenever the gate's camera saw it.

    The rule (issue 14): a booking whose truck has an open yard visit (waiting, dispatched
    or en route; ``gate.domain.yards.OPEN``) is present. The platform holds it there until a
    dispatch order sends it on (gate/domain/dispatch.py), so the time it reaches the gate is
    the platform's doing, not the truck's: a truck sent well before its slot is not too
    early, and one held past its slot's grace is not late. What the truck did is when it
    came into the yard, judged against the same on-time window as at the gate (early counts
    as on time: it waited where it was told to). The no-show sweep skips such a booking
    (gate/bookings/sweeps.py); its lapse is dispatch's, at the second missed order
    (``gate.domain.dispatch.MISSES_BEFORE_LAPSE``)."""
    if entered_yard_at < slot_start + grace.late:
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


def check_observed_at(observed_at: datetime, now: datetime) -> datetime:
    """``observed_at`` in UTC when a check-in may be judged by it, else ValidationFailed.

    Arrivals are judged by the device's clock, so that clock is held to two limits:

    * no more than MAX_CLOCK_SKEW (5 minutes) ahead of ``now``. A device synchronised by
      NTP is within a second; five minutes is the usual tolerance between clocks that must
      agree (Kerberos' ``clockskew`` default in krb5.conf, 300 s; the same default clock
      skew in Microsoft's token validation) and covers a device whose time source failed
      for days (a real-time clock drifts by seconds a day). Further ahead, the read would be
      judged against a slot that has not begun (a truck made on time for an hour still to
      come), so it is refused with the reason, not moved to ``now``: that would judge a
      guess.
    * no older than MAX_EVENT_AGE (2 days) before ``now``: a device that was offline longer
      must not change today's queue with old reads. Judged by its own time, such a read
      could admit a truck as on time for a slot days ago, queued by that slot ahead of
      today's trucks, though it most likely crossed long since; and the sweeps have settled
      those hours already (no-shows released, queue entries dropped after a day). Two days
      is a chosen figure, not a derived one: a device back from an outage of a night and a
      day still has its backlog acted on. Device event ids are remembered longer
      (GATE_DEVICE_EVENT_RETENTION_HOURS, a week), so every retry the check-in still
      accepts finds its first answer.

    A naive ``observed_at`` is refused too (``as_utc``)."""
    observed = as_utc(observed_at)
    if observed > now + MAX_CLOCK_SKEW:
        raise ValidationFailed("observed_at is in the future; check the device's clock")
    if observed < now - MAX_EVENT_AGE:
        raise ValidationFailed("observed_at is too old to act on")
    return observed

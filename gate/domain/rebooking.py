"""Fair rebooking (issue 18): who moves when an hour's capacity falls below its bookings,
where to, and until when the enterprise may answer. Pure: the store's side is
gate/bookings/rebooking.py; the rules and their reasons are in docs/architecture.md,
"Fair rebooking".

* **Who moves.** An hour holds ``capacity`` places; its trucks already checked in (arrived
  and beyond) keep theirs and count first; of its bookings still ``booked``, the first
  booked (``created_at``, then id) keep the rest of the places, and the last booked move
  (``movers``).
* **Where to.** The movers of a change are placed one by one, the earlier hour's first and
  within an hour in booking order, each into the earliest hour with room of its gate and
  direction that starts after its own hour and after now, no later than its latest
  acceptable time and within the booking horizon (``earliest_hour``). A truck is never moved
  earlier: it is on its way for its hour, not before.
* **Without room.** A mover for which no such hour exists is cancelled by the gate
  (reason ``NO_ROOM_REASON``): the hour cannot take it, and the enterprise said (or the
  horizon says) that no later hour will do.
* **The cause.** Each move says what changed: ``hour`` (one hour's capacity), ``schedule``
  (a direction's day), ``closure_added``, and later ``partner`` (the other side's
  announcement).
* **The answer's window.** The enterprise may accept the move or choose another hour until
  ``answer_window``'s end; silence keeps the new hour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from gate.domain.errors import InvalidTransition, ValidationFailed
from gate.domain.time import accepted_instant, as_utc

# The enterprise's answer to a move: at most a day after it, and at the latest two hours
# before the new hour starts (the gate plans its staff and the driver needs the time to
# come); when the new hour is nearer than that, until it starts (never a window that closed
# before it opened).
ANSWER_FOR = timedelta(hours=24)
ANSWER_CLOSES_BEFORE_HOUR = timedelta(hours=2)
NO_ROOM_REASON = "rebooking-no-room"


@dataclass(frozen=True, slots=True)
class Mover:
    """A booking to move: its id, the hour it holds (UTC) and the latest hour start it
    accepts (None: any within the horizon)."""

    booking_id: str
    hour: datetime
    latest_acceptable_at: datetime | None


def movers(booked_in_order: Sequence[str], booked_places: int, capacity: int) -> list[str]:
    """The ids of ``booked_in_order`` (an hour's bookings still ``booked``, first booked
    first) that must leave: the hour counts ``booked_places`` (every booking holding it,
    checked-in trucks included) against ``capacity``; the excess leaves from the end, never
    more than the ``booked`` ones (a checked-in truck keeps its place)."""
    excess = max(0, booked_places - max(0, capacity))
    leaving = min(excess, len(booked_in_order))
    return list(booked_in_order[len(booked_in_order) - leaving :]) if leaving else []


def earliest_hour(mover: Mover, room: dict[datetime, int], until: datetime) -> datetime | None:
    """The mover's new hour: the earliest of ``room`` (hour start -> free places) with a
    free place that starts after the mover's own hour, at most at its latest acceptable
    time and before ``until`` (the booking horizon's end); None when there is none. The
    caller takes the place (and lowers ``room``)."""
    for hour in sorted(room):
        if hour <= mover.hour:
            continue
        if hour >= until or (mover.latest_acceptable_at and hour > mover.latest_acceptable_at):
            return None
        if room[hour] > 0:
            return hour
    return None


def answer_window(moved_at: datetime, new_hour: datetime) -> datetime:
    """Until when the enterprise may accept a move made at ``moved_at`` to ``new_hour`` or
    choose another hour: the earlier of ``ANSWER_FOR`` after the move and
    ``ANSWER_CLOSES_BEFORE_HOUR`` before the new hour; the new hour's start when that is
    already past at the move."""
    closes = min(moved_at + ANSWER_FOR, new_hour - ANSWER_CLOSES_BEFORE_HOUR)
    return closes if closes > moved_at else new_hour


def check_answerable(open_until: datetime | None, now: datetime) -> None:
    """A move can be answered (accepted, or another hour chosen) while its window is open:
    InvalidTransition ``no-rebooking`` for a booking not moved (or already answered),
    ``rebooking-closed`` after the window."""
    if open_until is None:
        raise InvalidTransition(
            "the booking has no move of the gate waiting for an answer", why="no-rebooking"
        )
    if now >= open_until:
        raise InvalidTransition(
            f"the window to answer this move closed at {as_utc(open_until).isoformat()}",
            why="rebooking-closed",
        )


def check_latest_acceptable(latest: datetime | None, slot_start: datetime) -> datetime | None:
    """The latest acceptable time in UTC, None for none; ValidationFailed (field
    ``latest_acceptable_at``) when it is before the booking's own hour starts."""
    if latest is None:
        return None
    latest = accepted_instant(latest, "latest_acceptable_at")
    if latest < as_utc(slot_start):
        raise ValidationFailed(
            "the latest acceptable time is not before the booking's own hour",
            why="latest-before-slot",
            field="latest_acceptable_at",
        )
    return latest

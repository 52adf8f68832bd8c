"""The booking (đăng ký qua cửa khẩu) of one vehicle into one crossing slot, and its states.

The full life of a booking is booked → arrived → called → in inspection → cleared → exited,
with held, rejected, cancelled, no-show and expired beside it. The foundation lets an
enterprise book, reschedule and cancel; the check-in and clearance flows drive the rest.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from enum import StrEnum

from gate.domain.errors import InvalidTransition, VersionConflict


class BookingStatus(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    CALLED = "called"
    IN_INSPECTION = "in_inspection"
    HELD = "held"
    CLEARED = "cleared"
    EXITED = "exited"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    EXPIRED = "expired"


# A booking in one of these states holds its plate: no second active booking for that plate.
ACTIVE_STATUSES = frozenset(
    {
        BookingStatus.BOOKED,
        BookingStatus.ARRIVED,
        BookingStatus.CALLED,
        BookingStatus.IN_INSPECTION,
        BookingStatus.HELD,
        BookingStatus.CLEARED,
    }
)

# A vehicle checked in but never called within this long has left the yard in practice: its
# queue entry expires (the sweep, gate/bookings/sweeps.py) so the board and the forecasts stop
# counting it; the statistics count its wait as this long at least (gate/domain/statistics.py).
QUEUE_ENTRY_LIFETIME = timedelta(hours=24)

# In the control yard: checked in and not yet gone, and of those, the ones at a lane.
IN_YARD_STATUSES = (
    BookingStatus.ARRIVED,
    BookingStatus.CALLED,
    BookingStatus.IN_INSPECTION,
    BookingStatus.HELD,
    BookingStatus.CLEARED,
)
AT_LANE_STATUSES = IN_YARD_STATUSES[1:]

# Letters a kiosk reader or a person cannot confuse (no 0/O, 1/I/L).
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
BOOKING_CODE_LENGTH = 10


def new_booking_code() -> str:
    """A short random code for the booking's QR code and for reading aloud at a kiosk."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(BOOKING_CODE_LENGTH))


def normalise_code(code: str) -> str:
    """A booking code as it is looked up: upper case, no surrounding blanks."""
    return code.strip().upper()


def is_active(status: BookingStatus) -> bool:
    return status in ACTIVE_STATUSES


_S = BookingStatus
# The legal moves of a booking. Everything else is refused, so no code path, however it is
# reached, can skip a step (a vehicle cannot exit without being cleared).
TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    _S.BOOKED: frozenset({_S.ARRIVED, _S.CANCELLED, _S.NO_SHOW}),
    # Called to a lane; or the queue entry expires when the day's operation ends without a call.
    _S.ARRIVED: frozenset({_S.CALLED, _S.EXPIRED}),
    # At the lane the inspection starts; a vehicle that does not come is re-queued once
    # (back to arrived), then marked no-show.
    _S.CALLED: frozenset({_S.IN_INSPECTION, _S.ARRIVED, _S.NO_SHOW}),
    _S.IN_INSPECTION: frozenset({_S.HELD, _S.CLEARED, _S.REJECTED}),
    _S.HELD: frozenset({_S.IN_INSPECTION, _S.CLEARED, _S.REJECTED}),
    _S.CLEARED: frozenset({_S.EXITED}),
    _S.EXITED: frozenset(),
    _S.REJECTED: frozenset(),
    _S.CANCELLED: frozenset(),
    _S.NO_SHOW: frozenset(),
    _S.EXPIRED: frozenset(),
}
TERMINAL_STATUSES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


def check_transition(current: BookingStatus, target: BookingStatus) -> BookingStatus:
    """``target`` when the state machine allows moving there from ``current``."""
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(
            f"the vehicle is {current.value} and cannot become {target.value}",
            current_status=current.value,
        )
    return target


def check_version(current: int, expected: int | None) -> None:
    """Optimistic versioning: a change made against an older version is refused."""
    if expected is not None and expected != current:
        raise VersionConflict(
            f"the booking is at version {current}, not {expected}; read it again",
            current_version=current,
        )


def check_can_reschedule(status: BookingStatus) -> None:
    """Only a booking whose vehicle has not yet arrived can move to another slot."""
    if status is not BookingStatus.BOOKED:
        raise InvalidTransition(
            f"the booking is {status.value} and cannot be rescheduled", why="not-reschedulable"
        )


def check_can_cancel(status: BookingStatus) -> None:
    """A booking can be cancelled until its vehicle arrives at the gate."""
    if status is not BookingStatus.BOOKED:
        raise InvalidTransition(
            f"the booking is {status.value} and cannot be cancelled", why="not-cancellable"
        )

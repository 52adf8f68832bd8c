"""The driver's page (issue 14): how long a link lives, and what the driver is told to do next.

A link is a bearer secret for one booking's page, made by the booking's enterprise. It lives
until ``LINK_DAYS_AFTER_SLOT`` days after the end of the booked hour: a truck may wait in the
yards for days in a crisis (PRODUCT.md: over ten days in December 2021, but then its booking
lapses and is rebooked, with a new link), and a link that outlived its truck's crossing by
weeks would only be a secret left lying in a chat history. A reschedule does not move it; the
enterprise makes a new one if the new hour is later than the old link's end.

``next_step`` is the one sentence per state the page shows (its key in frontend/i18n).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from gate.domain.errors import DomainError
from gate.domain.time import SLOT_LENGTH

LINK_DAYS_AFTER_SLOT = 3


class LinkGone(DomainError):
    """The link to the driver's page was revoked by its enterprise, or has expired."""

    code = "link-gone"
    title = "This link to the driver's page no longer works"


def link_expiry(slot_start: datetime) -> datetime:
    """When a link made for a booking of the hour starting at ``slot_start`` stops working."""
    return slot_start + SLOT_LENGTH + timedelta(days=LINK_DAYS_AFTER_SLOT)


class Step(StrEnum):
    """What the driver should do now: each value is a key of the page's words."""

    GO_TO_GATE = "step_go_to_gate"  # an open dispatch order
    WAIT_IN_YARD = "step_wait_in_yard"  # in a waiting yard, no order yet
    GO_TO_YARD = "step_go_to_yard"  # booked, not in a yard, not at the gate
    WAIT_IN_CONTROL_YARD = "step_wait_in_control_yard"  # checked in at the gate
    GO_TO_LANE = "step_go_to_lane"  # called to a lane
    IN_CLEARANCE = "step_in_clearance"  # inspection or a hold
    CROSS = "step_cross"  # cleared: drive to the exit
    DONE = "step_done"  # exited
    ENDED = "step_ended"  # cancelled, no-show, rejected: the booking is over


def next_step(booking_status: str, in_yard: bool, has_open_order: bool) -> Step:
    """The step for a booking in ``booking_status`` (gate/domain/bookings.py), whether its
    truck waits in a waiting yard and whether it holds an open dispatch order."""
    if booking_status == "booked":
        if has_open_order:
            return Step.GO_TO_GATE
        return Step.WAIT_IN_YARD if in_yard else Step.GO_TO_YARD
    return {
        "arrived": Step.WAIT_IN_CONTROL_YARD,
        "called": Step.GO_TO_LANE,
        "in_inspection": Step.IN_CLEARANCE,
        "held": Step.IN_CLEARANCE,
        "cleared": Step.CROSS,
        "exited": Step.DONE,
    }.get(booking_status, Step.ENDED)

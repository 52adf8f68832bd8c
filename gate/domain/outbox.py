"""The outbox's rules: which domain events leave the platform (webhooks to enterprises,
messages to people), their public webhook type names, and when a failed delivery is tried
again.

Pure: the stored rows, the claiming and the sending are in ``gate/outbox/``.

The retry schedule follows Standard Webhooks (as Svix sends): after a failed attempt the
next waits the schedule's next step, with *full jitter* (a uniform draw between 0 and the
step, AWS's "full jitter"), so that receivers coming back after an outage are not hit by
every sender at the same instant. After the last step's attempt fails the delivery is given
up (``failed``). The default, ``5s,5m,30m,2h,5h,10h,10h``: eight attempts over at most about
27.6 hours (the sum of the steps; with the jitter, half of that on average). Tests use a
schedule of a few hundredths of a second through ``GATE_OUTBOX_RETRY_SCHEDULE``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence

from gate.domain.accounts import AccountMail
from gate.domain.events import (
    BookingCancelled,
    BookingCreated,
    BookingLapsed,
    BookingRebooked,
    BookingRescheduled,
    ClearanceDecided,
    DispatchIssued,
    DomainEvent,
    GateCalendarChanged,
    VehicleArrived,
    VehicleCalled,
    VehicleExited,
    WebhookEndpointDisabled,
)
from gate.domain.fee_events import FeePaid, FeeRefundDue, FeeRefunded, FeeVoided
from gate.domain.payments import PayoutDue
from gate.domain.spoilage import SpoilRiskForeseen

# Each outboxed event class and the type name a webhook carries for it (Standard Webhooks'
# "type": dotted, the field's words, stable once published: enterprises' systems switch on
# it). The internal event names (``vehicle.arrived``) stay internal.
WEBHOOK_TYPES: dict[type[DomainEvent], str] = {
    BookingCreated: "booking.created",
    BookingRescheduled: "booking.rescheduled",
    BookingCancelled: "booking.cancelled",
    BookingLapsed: "booking.lapsed",
    VehicleArrived: "truck.checked_in",
    DispatchIssued: "truck.dispatched",
    VehicleCalled: "truck.called",
    ClearanceDecided: "truck.clearance_decided",
    VehicleExited: "truck.exited",
    GateCalendarChanged: "capacity.changed",
    # Issue 18: a perishable load's forecast call passes its spoil-by (told once a truck).
    SpoilRiskForeseen: "cargo.spoil_risk",
    BookingRebooked: "booking.rebooked",
    # Issue 19: a crossing's fee paid, owed back or voided by a cancellation, and the
    # refund sent (gate/payments/payouts.py).
    FeePaid: "fee.paid",
    FeeRefundDue: "fee.refund_due",
    FeeVoided: "fee.voided",
    FeeRefunded: "fee.refunded",
}

# The classes whose events the unit of work writes to ``outbox_events`` in the transaction
# that records them. Exact classes, not isinstance: a subclass is a different event and is
# outboxed only when listed (a set lookup per event: check-in batches are hot). An endpoint
# disabled is told to its owner (messages), never sent as a webhook; so is an account's mail
# (an application, a decision, an invitation, a reset: gate/domain/accounts.py).
OUTBOXED: frozenset[type[DomainEvent]] = frozenset(
    {*WEBHOOK_TYPES, WebhookEndpointDisabled, AccountMail, PayoutDue}
)

# The public types by internal event name (the name is what an outbox row stores).
WEBHOOK_TYPE_OF_NAME: dict[str, str] = {cls.name: public for cls, public in WEBHOOK_TYPES.items()}

# Every public type an endpoint may subscribe to, in the order a form lists them.
WEBHOOK_EVENT_TYPES: tuple[str, ...] = tuple(WEBHOOK_TYPES.values())


# The events the messages tell a booking's driver of (gate/domain/messages.py), whoever booked:
# the driver is found from the booking when the event is expanded.
TOLD_TO_DRIVERS: tuple[type[DomainEvent], ...] = (DispatchIssued, VehicleCalled, VehicleExited)
# The gate's own events, whose audience the expanders find from what they touched.
GATE_WIDE: frozenset[type[DomainEvent]] = frozenset({GateCalendarChanged})
# Money owed back is paid out through its provider (gate/payments/payouts.py), whoever paid:
# a transfer that named no invoice has no enterprise, and is refunded all the same.
PAYOUTS: frozenset[type[DomainEvent]] = frozenset({PayoutDue})
_ANYONE_MAY_HEAR = frozenset({*TOLD_TO_DRIVERS, *GATE_WIDE, *PAYOUTS})


def is_outboxed(event: DomainEvent) -> bool:
    """Whether ``event`` is written to the outbox when its transaction commits: its class is
    in ``OUTBOXED`` and somebody could be told of it. The expanders (gate/webhooks/expander.py,
    gate/messages/expander.py) tell an event's enterprise (its webhooks, its users), a
    booking's driver of ``TOLD_TO_DRIVERS``, and those a ``GATE_WIDE`` event touched; a
    ``PAYOUTS`` event goes to its provider (gate/payments/payouts.py) whoever paid; an
    event of no enterprise that is neither (a walk-in's booking made and its arrival, the
    hot path's events) has nobody, so it is not written at all: no row, no expansion, no
    wake of the dispatcher (issue 20)."""
    cls = type(event)
    if cls not in OUTBOXED:
        return False
    return cls in _ANYONE_MAY_HEAR or getattr(event, "enterprise_id", None) is not None


DEFAULT_RETRY_SCHEDULE = "5s,5m,30m,2h,5h,10h,10h"

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_STEP = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")


def parse_schedule(text: str) -> tuple[float, ...]:
    """``"5s,5m,30m,2h"`` as the waits in seconds before each retry: ``(5.0, 300.0, ...)``.
    A step is a number with an optional unit (ms, s, m, h; seconds when none). ValueError
    (saying what is expected) for an empty schedule, a negative or unparsable step, or more
    than 20 steps."""
    steps = [part.strip() for part in text.split(",") if part.strip()]
    if not steps or len(steps) > 20:
        raise ValueError("1 to 20 waits joined by ',' such as 5s,5m,30m,2h (units ms, s, m, h)")
    waits = []
    for step in steps:
        match = _STEP.match(step)
        if match is None:
            raise ValueError(f"a wait such as 5s, 5m or 2h, not {step!r}")
        waits.append(float(match.group(1)) * _UNITS[match.group(2) or "s"])
    return tuple(waits)


def attempts_allowed(schedule: Sequence[float]) -> int:
    """How many attempts a delivery gets: the first, then one after each step."""
    return len(schedule) + 1


def retry_delay(
    attempts: int, schedule: Sequence[float], draw: Callable[[], float] = random.random
) -> float | None:
    """Seconds to wait before the next attempt, after ``attempts`` (>= 1) attempts failed;
    None when the schedule is exhausted (give up). Full jitter: the step scaled by ``draw()``
    in [0, 1), so the wait is in [0, step). ValueError when ``attempts`` < 1."""
    if attempts < 1:
        raise ValueError("a retry follows at least one attempt")
    if attempts > len(schedule):
        return None
    return schedule[attempts - 1] * draw()

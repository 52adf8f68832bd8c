"""Dispatch orders (lệnh điều tiết): how a gate's control yard is kept fed from the waiting
yards.

Per gate and direction the operators set a ``target``. For each queue class, the trucks
waiting in the control yard plus those already sent on their way (orders open) are counted;
while that is below the target, the next trucks waiting in the yards that serve the gate are
dispatched, in the gate's service order (``gate.domain.queue.service_order``: the same cycle and
the same order within a class as the control yard's queue, so a truck's turn is one truth from
the yard to the lane).

Each order gives the truck ``deadline_minutes`` to reach the gate. A truck that lets the
deadline pass goes back to waiting, behind the others of its class (as a truck re-queued after a
missed call in the control yard); at its ``MISSES_BEFORE_LAPSE``-th missed order its visit
lapses, and a booking it came with is marked no-show, so that one truck that never comes does
not block the yards' order forever.

The missed-order rule, exactly (the sweep ``gate/dispatch/sweeps.py``, every
``GATE_SWEEP_SECONDS``): an open order whose ``deadline_at`` has passed becomes ``missed``, and
its visit's ``missed_orders`` goes up by one. Below ``MISSES_BEFORE_LAPSE`` (2) the visit waits
again with ``behind`` set: it comes after every truck of its class that never missed, whatever
its slot. At ``MISSES_BEFORE_LAPSE`` the visit lapses (ended, its plate free to enter a yard
again) and its booking, if still ``booked``, becomes ``no_show`` and gives its place back, as
the no-show sweep would. An order an officer withdraws, or whose booking was cancelled, is
``cancelled``: the truck waits again where it was, and no miss is counted. A truck that checks
in at the gate ends its order (``arrived``) and its visit, whether it came under an order or
not.

While its visit is open, a booked truck is present: the platform holds it, so the no-show
sweep passes its booking by (the second missed order above is its only lapse), and the gate
judges it by when it entered the yard, never as too early or too late
(``gate.domain.checkin.judge_held_arrival``).

Dispatch is decided per gate and direction under a lock of its rule row, so two processes never
dispatch one truck twice; an order's ``active_visit_id`` is unique as the last guard.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum

from gate.domain.errors import Conflict
from gate.domain.queue import QueueClass

# The second missed order ends the visit: the same rule as the control yard's calls (a
# vehicle that misses a call is re-queued once, then marked no-show: gate/domain/bookings.py).
MISSES_BEFORE_LAPSE = 2

# Bounds an operator may set, and the defaults of a gate direction that has no rule yet.
MAX_TARGET = 500
MAX_DEADLINE_MINUTES = 24 * 60
DEFAULT_TARGET = 10
DEFAULT_DEADLINE_MINUTES = 60

# An order's code is read aloud and typed at a kiosk: no 0/O, 1/I/L.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ORDER_CODE_LENGTH = 8


class OrderStatus(StrEnum):
    OPEN = "open"  # issued; the truck is in its yard or on its way
    ARRIVED = "arrived"  # the truck checked in at the gate
    MISSED = "missed"  # the deadline passed first
    CANCELLED = "cancelled"  # withdrawn by an officer, or the truck's booking ended


class NotWaitingInYard(Conflict):
    """Only a truck waiting in a yard (no open order) can be dispatched."""

    code = "not-waiting-in-yard"
    title = "The truck is not waiting in a yard"


def shortfall(
    target: int,
    in_control_yard: Mapping[QueueClass, int],
    on_the_way: Mapping[QueueClass, int],
) -> dict[QueueClass, int]:
    """How many trucks of each class to dispatch now: ``target`` minus those waiting in the
    control yard and those with an open order, never below zero. Classes missing from the
    mappings count as zero."""
    return {
        queue_class: max(
            0, target - in_control_yard.get(queue_class, 0) - on_the_way.get(queue_class, 0)
        )
        for queue_class in QueueClass
    }


def deadline(issued_at: datetime, deadline_minutes: int) -> datetime:
    """When an order issued at ``issued_at`` must be met (aware times)."""
    return issued_at + timedelta(minutes=deadline_minutes)


def after_miss(missed_orders: int) -> tuple[int, bool]:
    """The visit's count of missed orders after one more, and whether the visit lapses."""
    missed = missed_orders + 1
    return missed, missed >= MISSES_BEFORE_LAPSE


def new_order_code() -> str:
    """A short random code for an order (``D`` and 8 characters), unique by its index."""
    return "D" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(ORDER_CODE_LENGTH))

"""Waiting yards (bến bãi, bãi chờ): a truck's stay in one, and the yard's room.

A truck checks into a waiting yard near the border and waits there until a dispatch order
(gate/domain/dispatch.py) sends it on to its gate's control yard. The life of a visit::

    waiting ──order issued──▶ dispatched ──leaves the yard──▶ en_route ──gate check-in──▶ arrived
       ▲                          │                               │
       └──────order missed────────┴───────────────────────────────┘   (or lapsed: see dispatch)
    waiting ──leaves without an order──▶ left

A truck counts against its yard's capacity while it is in the yard: waiting or dispatched.
"""

from __future__ import annotations

from enum import StrEnum

from gate.domain.errors import Conflict, InvalidTransition


class VisitStatus(StrEnum):
    WAITING = "waiting"  # in the yard, no order
    DISPATCHED = "dispatched"  # in the yard, with an open dispatch order
    EN_ROUTE = "en_route"  # left the yard under an open order, not yet at the gate
    ARRIVED = "arrived"  # checked in at the gate's control yard: the visit ends
    LEFT = "left"  # left the yard without an order: the visit ends
    LAPSED = "lapsed"  # missed too many orders (dispatch.MISSES_BEFORE_LAPSE): the visit ends


class YardWatch(StrEnum):
    """What a yard device watches: trucks coming in, or going out."""

    ENTRY = "entry"
    EXIT = "exit"


# Statuses that hold a place in the yard, and those of a visit not yet over.
IN_YARD = frozenset({VisitStatus.WAITING, VisitStatus.DISPATCHED})
OPEN = frozenset({VisitStatus.WAITING, VisitStatus.DISPATCHED, VisitStatus.EN_ROUTE})

_V = VisitStatus
TRANSITIONS: dict[VisitStatus, frozenset[VisitStatus]] = {
    _V.WAITING: frozenset({_V.DISPATCHED, _V.LEFT, _V.ARRIVED}),
    # An order's truck leaves, reaches the gate straight from the yard's exit read missing, or
    # lets the deadline pass (back to waiting, or lapsed after repeated misses).
    _V.DISPATCHED: frozenset({_V.EN_ROUTE, _V.ARRIVED, _V.WAITING, _V.LAPSED}),
    _V.EN_ROUTE: frozenset({_V.ARRIVED, _V.WAITING, _V.LAPSED}),
    _V.ARRIVED: frozenset(),
    _V.LEFT: frozenset(),
    _V.LAPSED: frozenset(),
}


class YardFull(Conflict):
    """The yard holds as many trucks as its capacity: the truck is not admitted."""

    code = "yard-full"
    title = "The waiting yard is full"


class YardClosed(Conflict):
    """The yard is outside its opening hours, or out of service."""

    code = "yard-closed"
    title = "The waiting yard is closed"


class AlreadyInYard(Conflict):
    """The truck already has an open visit (in this or another yard)."""

    code = "already-in-yard"
    title = "The truck is already in a waiting yard"


class AlreadyAtGate(Conflict):
    """The truck is checked in at its gate already (its booking is past ``booked``: in the
    control yard or at a lane): it cannot wait in a waiting yard too."""

    code = "already-at-gate"
    title = "The truck is already at its gate"


def check_visit_move(current: VisitStatus, target: VisitStatus) -> None:
    """Refuse a move the life of a visit does not have; InvalidTransition (409) names both."""
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(f"a yard visit cannot go from {current} to {target}")


def has_room(in_yard: int, capacity: int) -> bool:
    """Whether a yard holding ``in_yard`` trucks (waiting or dispatched) admits one more."""
    return in_yard < capacity


def is_open_at(hour: int, opens_at: int, closes_at: int) -> bool:
    """Whether a yard open from ``opens_at`` to ``closes_at`` (whole hours of the gates' clock,
    0 to 24) is open during ``hour`` (0 to 23). ``opens_at == closes_at`` is open all day, the
    usual case for a yard; ``opens_at > closes_at`` is open overnight (20 to 6)."""
    if opens_at == closes_at:
        return True
    if opens_at < closes_at:
        return opens_at <= hour < closes_at
    return hour >= opens_at or hour < closes_at

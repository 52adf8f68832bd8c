"""Capacity follows the other side (issue 18): what the partner gate across the border (the
Chinese side) announces it will take per hour, and its closures.

A border gate's trucks cross only as fast as both sides take them: when the partner gate
announces 20 trucks an hour from 08:00 to 12:00, or a closure, our hours beyond that cannot
cross whatever our own calendar says. So an hour's bookable capacity is the smaller of ours
and theirs (``bookable``); without an announcement it is ours. An announcement names a span
of time, one direction or both, a capacity per hour (0: a closure), where it came from
(``PartnerSource``, with a free reference such as a letter's number) and when the partner
announced it. The latest announced (``announced_at``, then the one recorded later) of those
covering an hour is the one in force there (``in_force``); a later one for the same hours thus
replaces an earlier one, both staying in the history; a withdrawn one counts no more.

An hour is covered when the span touches any part of it (as our closures do): an
announcement from 08:30 limits the hour from 08:00, since the trucks of that hour cannot all
cross. Announcements and withdrawals are audited in the gate's hash chain
(``PartnerCapacityAnnounced``, ``PartnerCapacityWithdrawn``); docs/architecture.md, "Capacity
follows the other side".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar

from gate.domain.errors import ValidationFailed
from gate.domain.events import SYSTEM, Actor, DomainEvent, Fact
from gate.domain.time import SLOT_LENGTH, as_utc, floor_to_slot

# The longest span one announcement may cover: a closure over a long holiday (Tết, the
# National Day week) fits; an announcement "until further notice" is given an end and
# announced again.
MAX_SPAN = timedelta(days=62)
# How far ahead of our clock an announcement's own time may be (the partner's clock, a
# letter dated in the other time zone): a few minutes, not a time yet to come.
ANNOUNCED_AHEAD = timedelta(minutes=10)
# Who limits an hour, as availability says it (``limited_by``).
PARTNER = "partner"
# The reason a partner's closure gives an hour (public: the boards and availability show it).
PARTNER_CLOSED = "closed by the partner gate"


class PartnerSource(StrEnum):
    """How an announcement reached the gate: the partner's feed (the API), a phone call, a
    letter, or otherwise (a meeting, a message): the reference says more."""

    PARTNER_FEED = "partner-feed"
    PHONE = "phone"
    LETTER = "letter"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class PartnerLimit:
    """One announcement in force: ``capacity`` trucks per hour over ``[starts_at, ends_at)``
    (UTC) in ``direction`` (None: both), announced at ``announced_at``; ``recorded`` orders
    two announced at the same instant (the one recorded later wins)."""

    starts_at: datetime
    ends_at: datetime
    capacity: int
    announced_at: datetime
    recorded: datetime
    direction: str | None = None

    def covers(self, slot_start: datetime, direction: str) -> bool:
        """Whether the announcement touches the hour from ``slot_start`` in ``direction``."""
        if self.direction is not None and self.direction != direction:
            return False
        return self.starts_at < slot_start + SLOT_LENGTH and slot_start < self.ends_at


def in_force(
    limits: Sequence[PartnerLimit], slot_start: datetime, direction: str
) -> PartnerLimit | None:
    """The announcement in force for the hour from ``slot_start`` in ``direction``: the
    latest announced of those covering it (ties: the one recorded later); None when none
    covers it (the partner said nothing: our calendar alone decides)."""
    covering = [each for each in limits if each.covers(slot_start, direction)]
    if not covering:
        return None
    return max(covering, key=lambda each: (as_utc(each.announced_at), as_utc(each.recorded)))


@dataclass(frozen=True, slots=True)
class Bookable:
    """An hour's bookable places: ``capacity``; ``limited_by`` is PARTNER when the partner's
    announced capacity is below ours (None: ours decides); ``closed_reason`` when the hour
    takes nobody and a reason says why."""

    capacity: int
    closed_reason: str | None = None
    limited_by: str | None = None


def bookable(ours: int, ours_closed: str | None, theirs: int | None) -> Bookable:
    """The smaller of our capacity (``ours``, with its closure's reason ``ours_closed``) and
    the partner's announced one (``theirs``; None: no announcement). Ours wins a tie, and a
    closure of ours keeps its own reason."""
    if theirs is None or theirs >= ours:
        return Bookable(ours, ours_closed)
    return Bookable(theirs, PARTNER_CLOSED if theirs == 0 else None, PARTNER)


def check_announcement(
    starts_at: datetime, ends_at: datetime, announced_at: datetime, now: datetime
) -> tuple[datetime, datetime]:
    """The span ``[starts_at, ends_at)`` in UTC, once it is one an announcement may cover;
    ValidationFailed (422) naming the field otherwise: an end not after the start
    (``ends_at``), a span over by ``now`` (``ends_at``, why ``in-the-past``: the past is not
    rewritten), longer than MAX_SPAN (``ends_at``), or an ``announced_at`` still to come
    (beyond ANNOUNCED_AHEAD). The capacity's range is the input's (0 to 10,000)."""
    start, end = as_utc(starts_at), as_utc(ends_at)
    if end <= start:
        raise ValidationFailed("ends_at is after starts_at", field="ends_at")
    if end <= floor_to_slot(now):
        raise ValidationFailed(
            "the span is over: announce hours still to come", why="in-the-past", field="ends_at"
        )
    if end - start > MAX_SPAN:
        raise ValidationFailed(
            f"one announcement covers at most {MAX_SPAN.days} days", field="ends_at"
        )
    if as_utc(announced_at) > now + ANNOUNCED_AHEAD:
        raise ValidationFailed("announced_at is still to come", field="announced_at")
    return start, end


@dataclass(frozen=True, kw_only=True)
class PartnerCapacityEvent(DomainEvent):
    """An announcement of the partner gate recorded or withdrawn, audited in the gate's hash
    chain (subject: the announcement's id), with who entered it (the administrator, an
    officer). Facts: ``starts_at``, ``ends_at`` (ISO 8601, UTC), ``capacity`` per hour,
    ``source``, ``reference``, ``announced_at``, ``feed_id`` (the partner feed's own id of
    it). No personal data: a reference is a letter's number or the like."""

    name: ClassVar[str] = "partner_capacity.changed"
    announcement_id: str
    gate: str
    gate_id: str
    direction: str | None = None
    from_status: str | None = None
    to_status: str | None = None
    actor: Actor = SYSTEM
    reason: str | None = None
    facts: dict[str, Fact] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class PartnerCapacityAnnounced(PartnerCapacityEvent):
    name: ClassVar[str] = "partner_capacity.announced"


@dataclass(frozen=True, kw_only=True)
class PartnerCapacityWithdrawn(PartnerCapacityEvent):
    """``reason``: why it was withdrawn (the partner took it back, entered by mistake)."""

    name: ClassVar[str] = "partner_capacity.withdrawn"

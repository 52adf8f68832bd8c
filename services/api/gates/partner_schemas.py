"""The partner gate's announcements on the API (issue 18): what its feed posts, what officers
read. The rules: gate/domain/partner.py."""

from __future__ import annotations

from datetime import datetime

from gate.bookings.calendar_changes import Moves
from gate.domain.partner import PartnerSource
from gate.domain.slots import Direction
from gate.gates.partner import Followed, NewAnnouncement
from gate.store.tables import PartnerAnnouncement
from services.common.schemas import (
    Capacity,
    Identifier,
    Input,
    Output,
    Reason,
    ShortText,
    local,
    local_or_none,
)


class PartnerAnnouncementCreate(Input):
    """What the partner gate announced: ``capacity`` trucks per hour (0: closed) from
    ``starts_at`` to ``ends_at`` in ``direction`` (null: both); ``source`` (``partner-feed``
    by default; ``phone``, ``letter``, ``other``) and a ``reference`` (a letter's number);
    ``announced_at``, when the partner announced it (now when left out); ``feed_id``, the
    feed's own id of it: the same id sent again is the same announcement (idempotent)."""

    starts_at: datetime
    ends_at: datetime
    capacity: Capacity
    direction: Direction | None = None
    source: PartnerSource = PartnerSource.PARTNER_FEED
    reference: ShortText | None = None
    announced_at: datetime | None = None
    feed_id: Identifier | None = None

    def new(self, now: datetime) -> NewAnnouncement:
        return NewAnnouncement(
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            capacity=self.capacity,
            source=self.source,
            announced_at=self.announced_at or now,
            direction=self.direction,
            reference=self.reference,
            feed_id=self.feed_id,
        )


class PartnerWithdrawal(Input):
    """Why an announcement is withdrawn (the partner took it back, entered by mistake)."""

    reason: Reason


class CalendarFollowed(Output):
    """The hours whose bookable capacity the announcement changed: ``directions`` over
    ``[starts_at, ends_at)``, the span rebooked fairly (``bookings_moved``,
    ``bookings_cancelled``)."""

    directions: list[str]
    starts_at: datetime
    ends_at: datetime


class PartnerAnnouncementView(Output):
    """An announcement of the partner gate as recorded: ``status`` ``announced`` or
    ``withdrawn`` (with when and why); ``recorded_at``, when it was entered here;
    ``changed``, in a write's answer, the hours whose capacity it changed (null: none, an
    announcement at or above our own capacity, or a feed's retry); ``bookings_moved`` and
    ``bookings_cancelled``, in a write's answer, what the fair rebooking of those hours did
    (docs/architecture.md, "Fair rebooking")."""

    id: str
    direction: str | None
    starts_at: datetime
    ends_at: datetime
    capacity: int
    source: str
    reference: str | None
    announced_at: datetime
    feed_id: str | None
    recorded_at: datetime
    status: str
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    changed: CalendarFollowed | None = None
    bookings_moved: int | None = None
    bookings_cancelled: int | None = None

    @classmethod
    def of(cls, row: PartnerAnnouncement) -> PartnerAnnouncementView:
        return cls(
            id=row.id,
            direction=row.direction,
            starts_at=local(row.starts_at),
            ends_at=local(row.ends_at),
            capacity=row.capacity,
            source=row.source,
            reference=row.reference,
            announced_at=local(row.announced_at),
            feed_id=row.feed_id,
            recorded_at=local(row.created_at),
            status="withdrawn" if row.withdrawn_at else "announced",
            withdrawn_at=local_or_none(row.withdrawn_at),
            withdrawn_reason=row.withdrawn_reason,
        )

    @classmethod
    def followed(cls, done: Followed, moves: Moves) -> PartnerAnnouncementView:
        view = cls.of(done.announcement)
        view.bookings_moved, view.bookings_cancelled = moves.moved, moves.cancelled
        if done.starts_at is not None and done.ends_at is not None:
            view.changed = CalendarFollowed(
                [d.value for d in done.directions], local(done.starts_at), local(done.ends_at)
            )
        return view

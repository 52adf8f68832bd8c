"""The partner gate's announcements entered (its feed through the API, an officer from a phone
call or a letter through the console), withdrawn and listed. Each is audited in the gate's
hash chain; when it changes the bookable capacity of hours still to come (the smaller of ours
and theirs: gate/domain/partner.py), those hours' slots take their new capacity (the rows
materialised first, gate/gates/partner_hours.py, then ``refresh_slot_capacities``) and
GateCalendarChanged is recorded as for our own calendar
changes (gate/gates/changes.py): the boards' free places follow and the enterprises with
bookings in those hours are told (capacity.changed). Bookings above a lowered capacity stay
booked here; fair rebooking moves them (issue 18, gate/bookings/rebooking.py, called by the
handlers after this)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from gate.domain.errors import AlreadyExists, NotFound
from gate.domain.events import Actor, Fact, GateCalendarChanged
from gate.domain.partner import (
    PartnerCapacityAnnounced,
    PartnerCapacityWithdrawn,
    PartnerSource,
    check_announcement,
)
from gate.domain.slots import Direction
from gate.domain.time import SLOT_LENGTH, as_utc, floor_to_slot
from gate.gates.calendar import (
    gate_by_code,
    refresh_slot_capacities,
)
from gate.gates.partner_hours import Capacities, capacities, materialise
from gate.store.database import conflict_insert
from gate.store.tables import Gate, GateDirection, PartnerAnnouncement
from gate.store.unit_of_work import UnitOfWork

# The reason a calendar change of the partner's gives (public: capacity.changed carries it).
BY_THE_PARTNER = "announced by the partner gate"


@dataclass(frozen=True, slots=True)
class NewAnnouncement:
    """What the partner announced: ``capacity`` per hour over ``[starts_at, ends_at)`` in
    ``direction`` (None: both), from ``source`` (with ``reference``), at ``announced_at``;
    ``feed_id``, the partner feed's own id of it, when it has one."""

    starts_at: datetime
    ends_at: datetime
    capacity: int
    source: PartnerSource
    announced_at: datetime
    direction: Direction | None = None
    reference: str | None = None
    feed_id: str | None = None


@dataclass(frozen=True, slots=True)
class Followed:
    """What an announcement or a withdrawal did: the row, whether it was there already (a
    feed's retry: nothing done again), and the directions and hours whose bookable capacity
    changed (``[starts_at, ends_at)``, None when none did): the span to rebook."""

    announcement: PartnerAnnouncement
    replayed: bool = False
    directions: tuple[Direction, ...] = ()
    starts_at: datetime | None = None
    ends_at: datetime | None = None


async def _directions(uow: UnitOfWork, gate: Gate, direction: Direction | None) -> list[Direction]:
    """The directions an announcement touches: its own (NotFound, 404, when the gate takes
    no such traffic) or every one the gate has."""
    rows = await uow.session.scalars(
        select(GateDirection.direction).where(GateDirection.gate_id == gate.id)
    )
    known = [Direction(each) for each in rows]
    if direction is None:
        return sorted(known)
    if direction not in known:
        raise NotFound(f"gate {gate.code!r} takes no {direction.value} traffic")
    return [direction]


async def _follow(
    uow: UnitOfWork,
    gate: Gate,
    row: PartnerAnnouncement,
    before: Capacities,
    span: tuple[datetime, datetime],
    change: str,
) -> Followed:
    """After the announcement ``row`` changed: the slots of the hours whose capacity changed
    take their new one, and GateCalendarChanged says what it touched (nothing when no hour
    changed: an announcement above ours changes nothing)."""
    directions = sorted({direction for direction, _ in before})
    after = await capacities(uow, gate, directions, *span)
    changed = [key for key, places in after.items() if before[key] != places]
    if not changed:
        return Followed(row)
    touched = tuple(sorted({direction for direction, _ in changed}))
    first = min(hour for _, hour in changed)
    end = max(hour for _, hour in changed) + SLOT_LENGTH
    await materialise(uow, gate, {key: after[key] for key in changed})
    await refresh_slot_capacities(uow, gate, touched, first, end)
    olds, news = {before[key] for key in changed}, {after[key] for key in changed}
    uow.record(
        GateCalendarChanged(
            gate=gate.code,
            gate_id=gate.id,
            change=change,
            directions=tuple(d.value for d in touched),
            starts_at=as_utc(first).isoformat(),
            ends_at=as_utc(end).isoformat(),
            # Places per hour where one number says it (gate/domain/events.py).
            capacity_before=olds.pop() if len(olds) == 1 else None,
            capacity_after=news.pop() if len(news) == 1 else None,
            reason=BY_THE_PARTNER,
        )
    )
    return Followed(row, directions=touched, starts_at=first, ends_at=end)


def _span_ahead(start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    # The hours still to come: past slots keep the capacity they had (history stays).
    return max(floor_to_slot(start), floor_to_slot(now)), end


def _facts(row: PartnerAnnouncement) -> dict[str, Fact]:
    return {
        "starts_at": as_utc(row.starts_at).isoformat(),
        "ends_at": as_utc(row.ends_at).isoformat(),
        "capacity": row.capacity,
        "source": row.source,
        "reference": row.reference,
        "announced_at": as_utc(row.announced_at).isoformat(),
        "feed_id": row.feed_id,
    }


def _same(row: PartnerAnnouncement, new: NewAnnouncement) -> bool:
    """Whether a stored announcement is ``new`` sent again (a feed's retry)."""
    return (
        as_utc(row.starts_at) == as_utc(new.starts_at)
        and as_utc(row.ends_at) == as_utc(new.ends_at)
        and row.capacity == new.capacity
        and row.direction == (new.direction.value if new.direction else None)
        and row.source == new.source.value
    )


async def announce(
    uow: UnitOfWork, code: str, new: NewAnnouncement, actor: Actor, now: datetime
) -> Followed:
    """Record what the partner gate announced at gate ``code`` and let the calendar follow.

    Raises NotFound (404) for an unknown gate or a direction it does not take;
    ValidationFailed (422) for a span ``check_announcement`` refuses; AlreadyExists (409)
    for a ``feed_id`` recorded already with another span, capacity, direction or source. The
    same ``feed_id`` sent again with the same content answers the stored row
    (``replayed``) and changes nothing: the partner's feed retries safely, also
    concurrently (the insert ignores the conflict on the gate's feed ids)."""
    gate = await gate_by_code(uow, code)
    directions = await _directions(uow, gate, new.direction)
    start, end = check_announcement(new.starts_at, new.ends_at, new.announced_at, now)
    span = _span_ahead(start, end, now)
    before = await capacities(uow, gate, directions, *span)
    values = {
        "gate_id": gate.id,
        "direction": new.direction.value if new.direction else None,
        "starts_at": start,
        "ends_at": end,
        "capacity": new.capacity,
        "source": new.source.value,
        "reference": new.reference,
        "announced_at": as_utc(new.announced_at),
        "feed_id": new.feed_id,
        "actor_kind": actor.kind,
        "actor_id": actor.id,
    }
    insert = conflict_insert(uow.session)(PartnerAnnouncement).values(**values)
    made = await uow.session.scalar(
        insert.on_conflict_do_nothing(index_elements=["gate_id", "feed_id"]).returning(
            PartnerAnnouncement.id
        )
    )
    if made is None:
        stored = await uow.session.scalar(
            select(PartnerAnnouncement).where(
                PartnerAnnouncement.gate_id == gate.id, PartnerAnnouncement.feed_id == new.feed_id
            )
        )
        assert stored is not None  # the conflict was on this very row
        if not _same(stored, new):
            raise AlreadyExists(
                f"announcement {new.feed_id!r} was recorded with another content: "
                "send a new announcement with its own id to replace it"
            )
        return Followed(stored, replayed=True)
    row = await uow.session.get_one(PartnerAnnouncement, made)
    uow.record(
        PartnerCapacityAnnounced(
            announcement_id=row.id,
            gate=gate.code,
            gate_id=gate.id,
            direction=row.direction,
            to_status="announced",
            actor=actor,
            facts=_facts(row),
        )
    )
    change = "partner_closure" if new.capacity == 0 else "partner_capacity"
    return await _follow(uow, gate, row, before, span, change)


async def withdraw(
    uow: UnitOfWork, code: str, announcement_id: str, reason: str, actor: Actor, now: datetime
) -> Followed:
    """Withdraw an announcement of gate ``code`` (the partner took it back, or it was entered
    by mistake): it counts no more, its hours take our capacity or the announcement in force
    beneath it again; audited with ``reason``. NotFound (404) for an announcement of another
    gate or none. One withdrawn already is left as it is (a repeated withdrawal changes
    nothing and records nothing)."""
    gate = await gate_by_code(uow, code)
    row = await uow.session.scalar(
        select(PartnerAnnouncement)
        .where(PartnerAnnouncement.id == announcement_id)
        .with_for_update()
    )
    if row is None or row.gate_id != gate.id:
        raise NotFound("no such announcement at this gate")
    if row.withdrawn_at is not None:
        return Followed(row, replayed=True)
    direction = Direction(row.direction) if row.direction else None
    span = _span_ahead(row.starts_at, row.ends_at, now)
    before: Capacities = {}
    if span[0] < span[1]:
        before = await capacities(uow, gate, await _directions(uow, gate, direction), *span)
    row.withdrawn_at, row.withdrawn_reason = now, reason
    await uow.session.flush()
    uow.record(
        PartnerCapacityWithdrawn(
            announcement_id=row.id,
            gate=gate.code,
            gate_id=gate.id,
            direction=row.direction,
            from_status="announced",
            to_status="withdrawn",
            actor=actor,
            reason=reason,
            facts=_facts(row),
        )
    )
    if not before:
        return Followed(row)
    return await _follow(uow, gate, row, before, span, "partner_withdrawn")


async def announcements(uow: UnitOfWork, code: str, since: datetime) -> list[PartnerAnnouncement]:
    """Gate ``code``'s announcements whose span ends after ``since``, withdrawn ones too (the
    history officers read), the latest announced first; NotFound (404) for an unknown gate."""
    gate = await gate_by_code(uow, code)
    rows = await uow.session.scalars(
        select(PartnerAnnouncement)
        .where(PartnerAnnouncement.gate_id == gate.id, PartnerAnnouncement.ends_at > since)
        .order_by(
            PartnerAnnouncement.announced_at.desc(),
            PartnerAnnouncement.created_at.desc(),
            PartnerAnnouncement.id,
        )
    )
    return list(rows)

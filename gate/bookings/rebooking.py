"""Fair rebooking (issue 18): after any change that may leave hours of a gate over capacity
(the administrator's calendar changes, gate/bookings/calendar_changes.py; the partner's
announcements), the bookings beyond each hour's capacity are moved, last booked first out,
into the earliest hours with room, or cancelled by the gate when none is acceptable. The
rules are gate/domain/rebooking.py's; docs/architecture.md, "Fair rebooking", says why.

Concurrency: the over-capacity hours' slot rows are locked first, in id order (the lock
order of slot rows; the calendar change that called this has normally locked them already,
refresh_slot_capacities), so a booking made meanwhile for such an hour waits and then finds
it full; each target hour's place is taken by the conditional update of take_place, so no
hour is ever filled beyond its capacity, also when a booker takes its last place first (the
mover then goes on to the next hour with room). A reschedule of a moving booking holds that
booking's row before the slots: the database may then abort one of the two (a deadlock),
which the request boundary runs again (services/common/retries.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from gate.bookings.service import cancel_locked
from gate.bookings.transitions import event_fields
from gate.domain.bookings import BookingStatus
from gate.domain.cargo import last_hour_before_spoiling
from gate.domain.errors import SlotClosed, SlotFull
from gate.domain.events import Actor, BookingRebooked
from gate.domain.rebooking import NO_ROOM_REASON, Mover, answer_window, earliest_hour, movers
from gate.domain.slots import DEFAULT_HORIZON, Direction
from gate.domain.time import SLOT_LENGTH, as_utc, floor_to_slot
from gate.fees.refunds import move_refund_deadline
from gate.gates.calendar import hours_between, load_calendar
from gate.gates.slots import ensure_slot, release_place, take_place
from gate.store.tables import Booking, Gate, Slot, YardVisit
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Rebooked:
    """One booking the gate moved (``to_hour`` its new hour) or, with no acceptable hour
    with room, cancelled (``to_hour`` None). Hours in UTC."""

    booking_id: str
    direction: Direction
    from_hour: datetime
    to_hour: datetime | None


async def rebook_over_capacity(
    uow: UnitOfWork,
    gate: Gate,
    directions: Sequence[Direction],
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    actor: Actor,
    horizon: timedelta = DEFAULT_HORIZON,
    cause: str = "hour",
) -> list[Rebooked]:
    """Move the bookings beyond capacity of every hour of ``directions`` in ``[start, end)``
    (hours already over are left: history is not rewritten) and say each move, in the order
    made. ``cause``: what changed (gate/domain/rebooking.py's CAUSES), told with each move;
    ``horizon``: how far ahead a booking may go (the platform's booking horizon)."""
    first = max(floor_to_slot(as_utc(start)), floor_to_slot(now))
    made: list[Rebooked] = []
    for direction in directions:
        made += await _rebook_direction(
            uow, gate, direction, first, as_utc(end), now, actor, now + horizon, cause
        )
    return made


async def _rebook_direction(
    uow: UnitOfWork,
    gate: Gate,
    direction: Direction,
    start: datetime,
    end: datetime,
    now: datetime,
    actor: Actor,
    until: datetime,
    cause: str,
) -> list[Rebooked]:
    over = list(
        (
            await uow.session.execute(
                select(Slot.id, Slot.starts_at, Slot.booked, Slot.capacity)
                .where(
                    Slot.gate_id == gate.id,
                    Slot.direction == direction.value,
                    Slot.starts_at >= start,
                    Slot.starts_at < end,
                    Slot.booked > Slot.capacity,
                )
                .order_by(Slot.id)
                .with_for_update()
            )
        ).all()
    )
    if not over:
        return []
    leaving = await _movers(uow, over)
    if not leaving:
        return []
    room = await _room(uow, gate, direction, min(m.hour for m, _ in leaving), until)
    made = []
    for mover, booking in leaving:
        target = await _take_earliest(uow, gate, direction, mover, room, until)
        if target is None:
            await cancel_locked(uow, booking, NO_ROOM_REASON, now, actor, facts={"cause": cause})
        else:
            await _move(uow, gate, booking, target, now, actor, cause)
        to_hour = target[0] if target else None
        made.append(Rebooked(booking.id, direction, mover.hour, to_hour))
    return made


async def _movers(
    uow: UnitOfWork, over: Sequence[tuple[str, datetime, int, int]]
) -> list[tuple[Mover, Booking]]:
    """The bookings that leave the over-capacity hours ``over`` (slot id, start, booked,
    capacity), row-locked, in the order they are placed: the earlier hour's first, and
    within an hour first booked first. A truck held in a waiting yard (an active yard visit
    of its booking) keeps its hour and counts first, as a checked-in one does; a perishable
    load's move never goes to an hour starting at or after its spoil-by."""
    rows = await uow.session.scalars(
        select(Booking)
        .where(
            Booking.slot_id.in_([slot_id for slot_id, *_ in over]),
            Booking.status == BookingStatus.BOOKED.value,
        )
        .order_by(Booking.created_at, Booking.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    candidates = list(rows)
    in_yards = set(
        await uow.session.scalars(
            select(YardVisit.booking_id).where(
                YardVisit.booking_id.in_([b.id for b in candidates]),
                YardVisit.active_plate.is_not(None),
            )
        )
    )
    by_slot: dict[str, list[Booking]] = defaultdict(list)
    for booking in candidates:
        if booking.id not in in_yards:
            by_slot[booking.slot_id].append(booking)
    leaving: list[tuple[Mover, Booking]] = []
    for slot_id, hour, booked, capacity in sorted(over, key=lambda row: row[1]):
        bookings = {b.id: b for b in by_slot[slot_id]}
        for booking_id in movers(list(bookings), booked, capacity):
            booking = bookings[booking_id]
            leaving.append((Mover(booking.id, as_utc(hour), _latest(booking)), booking))
    return leaving


def _latest(booking: Booking) -> datetime | None:
    """The latest hour a move may take ``booking`` to: its latest acceptable time, and for a
    perishable load the last hour before it spoils, whichever comes first (None: any)."""
    bounds = [as_utc(b) for b in (booking.latest_acceptable_at,) if b is not None]
    if booking.spoil_by is not None:
        bounds.append(last_hour_before_spoiling(as_utc(booking.spoil_by)))
    return min(bounds) if bounds else None


async def _room(
    uow: UnitOfWork, gate: Gate, direction: Direction, after: datetime, until: datetime
) -> dict[datetime, int]:
    """Free places of every hour from the one after ``after`` to the horizon's end: the
    stored slot's where materialised, else the calendar's capacity."""
    first = after + SLOT_LENGTH
    last = floor_to_slot(until) + SLOT_LENGTH
    calendar = await load_calendar(uow, gate, direction, first, last)
    stored = await uow.session.execute(
        select(Slot.starts_at, Slot.capacity, Slot.booked).where(
            Slot.gate_id == gate.id,
            Slot.direction == direction.value,
            Slot.starts_at >= first,
            Slot.starts_at < last,
        )
    )
    room = {hour: calendar.capacity(hour).capacity for hour in hours_between(first, last)}
    for hour, capacity, booked in stored.all():
        room[as_utc(hour)] = max(0, capacity - booked)
    return room


async def _take_earliest(
    uow: UnitOfWork,
    gate: Gate,
    direction: Direction,
    mover: Mover,
    room: dict[datetime, int],
    until: datetime,
) -> tuple[datetime, str] | None:
    """Take a place in the mover's earliest acceptable hour with room: its start and slot
    id, or None. An hour a booker filled meanwhile is passed over for the next."""
    while (hour := earliest_hour(mover, room, until)) is not None:
        slot_id = await ensure_slot(uow, gate, direction, hour)
        try:
            await take_place(uow, slot_id)
        except (SlotFull, SlotClosed):
            room[hour] = 0
            continue
        room[hour] -= 1
        return hour, slot_id
    return None


async def _move(
    uow: UnitOfWork,
    gate: Gate,
    booking: Booking,
    target: tuple[datetime, str],
    now: datetime,
    actor: Actor,
    cause: str,
) -> None:
    """Move ``booking`` (locked) to the place taken at ``target``, version +1, and record it."""
    hour, slot_id = target
    previous = booking.slot_start
    await release_place(uow, booking.slot_id)
    respond_by = answer_window(now, hour)
    booking.slot_id, booking.slot_start = slot_id, hour
    booking.rebooked_from, booking.rebooked_at = previous, now
    booking.rebooking_open_until = respond_by
    booking.version += 1
    await move_refund_deadline(uow, booking, now, by_gate=True)
    await uow.session.flush()
    uow.record(
        BookingRebooked(
            **event_fields(booking, gate),
            from_status=booking.status,
            to_status=booking.status,
            actor=actor,
            reason=cause,
            previous_slot_start=as_utc(previous).isoformat(),
            facts={"cause": cause, "respond_by": respond_by.isoformat()},
        )
    )

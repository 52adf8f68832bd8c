"""No-show accountability (issue 18): an enterprise's standing over the window, the peak-share
check of a booking into a peak hour, and an officer's excuse of a no-show. The rule and its
numbers are gate/domain/no_shows.py's; here they are counted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select

from gate.bookings.transitions import event_fields
from gate.domain.bookings import BookingStatus
from gate.domain.errors import InvalidTransition, NotFound, ValidationFailed
from gate.domain.events import Actor, NoShowExcused
from gate.domain.no_shows import NoShowPolicy, NoShowStanding, check_peak_share, standing
from gate.domain.text import accepted_text
from gate.domain.time import SLOT_LENGTH, as_local
from gate.store.tables import Booking, Enterprise, Gate, Slot
from gate.store.unit_of_work import UnitOfWork

_NO_SHOW = BookingStatus.NO_SHOW.value
_CANCELLED = BookingStatus.CANCELLED.value
# The statuses whose booking gives its place back (cancelled, lapsed unused): the others hold
# one of their hour's places, as the slot's ``booked`` counts them.
_FREED = (_CANCELLED, _NO_SHOW)


async def no_show_standings(
    uow: UnitOfWork, enterprise_ids: Iterable[str], now: datetime, policy: NoShowPolicy
) -> dict[str, NoShowStanding]:
    """Each enterprise's standing at ``now`` (gate/domain/no_shows.py), in one query.

    Counted: its bookings whose hour ended in ``(now − window, now]``, but those cancelled
    before their hour began and those still booked (the no-show sweep has not judged them
    yet). No-shows: the bookings that lapsed unused (status no_show) and were not excused,
    and those cancelled once their hour had begun (a late cancellation, as the port
    appointment systems count it). Excused: the no-shows an officer excused."""
    wanted = sorted(set(enterprise_ids))
    if not wanted:
        return {}
    late_cancel = and_(Booking.status == _CANCELLED, Booking.cancelled_at >= Booking.slot_start)
    early_cancel = and_(Booking.status == _CANCELLED, Booking.cancelled_at < Booking.slot_start)
    unexcused = and_(Booking.status == _NO_SHOW, Booking.no_show_excused_at.is_(None))
    excused = and_(Booking.status == _NO_SHOW, Booking.no_show_excused_at.is_not(None))
    rows = await uow.session.execute(
        select(
            Booking.enterprise_id,
            func.count(),
            func.sum(case((unexcused, 1), (late_cancel, 1), else_=0)),
            func.sum(case((excused, 1), else_=0)),
        )
        .where(
            Booking.enterprise_id.in_(wanted),
            Booking.slot_start > now - policy.window - SLOT_LENGTH,
            Booking.slot_start <= now - SLOT_LENGTH,
            Booking.status != BookingStatus.BOOKED.value,
            ~early_cancel,
        )
        .group_by(Booking.enterprise_id)
    )
    counts = {row[0]: (int(row[2] or 0), int(row[3] or 0), int(row[1])) for row in rows}
    return {e: standing(*counts.get(e, (0, 0, 0)), policy) for e in wanted}


async def no_show_standing(
    uow: UnitOfWork, enterprise_id: str, now: datetime, policy: NoShowPolicy
) -> NoShowStanding:
    """One enterprise's standing at ``now`` (``no_show_standings``)."""
    return (await no_show_standings(uow, [enterprise_id], now, policy))[enterprise_id]


async def recent_no_shows(
    uow: UnitOfWork, enterprise_id: str, now: datetime, policy: NoShowPolicy, limit: int = 50
) -> list[Booking]:
    """The enterprise's no-shows (excused ones too) whose hour ended in the window, the latest
    first, at most ``limit``: what its standing counts, for it to see."""
    return list(
        await uow.session.scalars(
            select(Booking)
            .where(
                Booking.enterprise_id == enterprise_id,
                Booking.status == _NO_SHOW,
                Booking.slot_start > now - policy.window - SLOT_LENGTH,
                Booking.slot_start <= now - SLOT_LENGTH,
            )
            .order_by(Booking.slot_start.desc(), Booking.id)
            .limit(limit)
        )
    )


@dataclass(frozen=True, slots=True)
class GateNoShow:
    """A no-show of a gate as its officers see it: the booking and its enterprise's name."""

    booking: Booking
    enterprise_name: str | None


async def gate_no_shows(
    uow: UnitOfWork, gate: Gate, now: datetime, policy: NoShowPolicy, limit: int = 100
) -> list[GateNoShow]:
    """The gate's no-shows whose hour ended within the window, the latest first (at most
    ``limit``): what an officer may excuse (excused ones shown as such)."""
    rows = await uow.session.execute(
        select(Booking, Enterprise.name)
        .outerjoin(Enterprise, Enterprise.id == Booking.enterprise_id)
        .where(
            Booking.gate_id == gate.id,
            Booking.status == _NO_SHOW,
            Booking.slot_start > now - policy.window - SLOT_LENGTH,
            Booking.slot_start <= now - SLOT_LENGTH,
        )
        .order_by(Booking.slot_start.desc(), Booking.id)
        .limit(limit)
    )
    return [GateNoShow(booking, name) for booking, name in rows]


async def held_in_slot(
    uow: UnitOfWork, slot_id: str, enterprise_ids: Iterable[str]
) -> dict[str, int]:
    """How many places of the slot each of ``enterprise_ids`` holds now (its bookings there
    that are neither cancelled nor lapsed)."""
    wanted = sorted(set(enterprise_ids))
    rows = await uow.session.execute(
        select(Booking.enterprise_id, func.count())
        .where(
            Booking.slot_id == slot_id,
            Booking.enterprise_id.in_(wanted),
            Booking.status.not_in(_FREED),
        )
        .group_by(Booking.enterprise_id)
    )
    held = {e: 0 for e in wanted}
    held.update({str(row[0]): int(row[1]) for row in rows})
    return held


async def check_share_in_slot(
    uow: UnitOfWork,
    enterprise_id: str,
    slot_id: str,
    start: datetime,
    now: datetime,
    policy: NoShowPolicy,
) -> None:
    """Refuse (PeakShareExceeded, 409 ``peak-share-exceeded``) one more place of the slot
    starting at ``start`` when it is a peak hour and the enterprise's bookings there fill
    its share already; off-peak hours and enterprises with share 1 pass at once.

    Call with the slot's row locked (``take_place`` has updated it): concurrent bookings of
    the same hour then wait for this transaction, so the count cannot go stale before the
    commit (under READ COMMITTED each statement reads the latest committed rows; SQLite's
    writers are serialised). Call before the new booking is added to the session."""
    if not policy.is_peak(as_local(start).hour):
        return
    mine = await no_show_standing(uow, enterprise_id, now, policy)
    if mine.share >= 1.0:
        return
    capacity = await uow.session.scalar(select(Slot.capacity).where(Slot.id == slot_id))
    held = (await held_in_slot(uow, slot_id, [enterprise_id]))[enterprise_id]
    check_peak_share(held, mine.share, int(capacity or 0))


@dataclass(frozen=True, slots=True)
class Excuse:
    """An officer's excuse of a no-show: the ``reason`` (1 to 300 characters, required)."""

    reason: str


async def excuse_no_show(
    uow: UnitOfWork, gate: Gate, booking_id: str, excuse: Excuse, now: datetime, actor: Actor
) -> Booking:
    """Excuse the no-show of a booking of ``gate``: it leaves its enterprise's rate. NotFound
    for a booking of another gate; InvalidTransition (why ``not-a-no-show``) unless it lapsed
    unused. Excusing an excused no-show again changes nothing (a retry is safe). Audited as
    NoShowExcused with the reason; the booking's version moves on."""
    reason = accepted_text(excuse.reason.strip(), "reason", free_text=True)
    if not reason:
        raise ValidationFailed("an excuse needs its reason", field="reason")
    booking = await uow.session.scalar(
        select(Booking)
        .where(Booking.id == booking_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if booking is None or booking.gate_id != gate.id:
        raise NotFound("no such booking at this gate")
    if booking.status != _NO_SHOW:
        raise InvalidTransition(
            f"the booking is {booking.status}: it has no no-show to excuse", why="not-a-no-show"
        )
    if booking.no_show_excused_at is not None:
        return booking
    booking.no_show_excused_at = now
    booking.no_show_excused_by = actor.id
    booking.no_show_excuse = reason
    booking.version += 1
    await uow.session.flush()
    uow.record(
        NoShowExcused(
            **event_fields(booking, gate),
            from_status=booking.status,
            to_status=booking.status,
            actor=actor,
            reason=reason,
        )
    )
    return booking

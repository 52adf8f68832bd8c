"""Building the live views from the database: the board is a function of stored state, so
any process can rebuild it after anything was lost (a Redis outage, a restart)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from msgspec import structs
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gate.checkins.pending import pending_reads
from gate.clearance.service import agencies_for
from gate.domain.bookings import AT_LANE_STATUSES, IN_YARD_STATUSES, BookingStatus
from gate.domain.forecast import (
    ServiceRate,
    forecast_accuracy,
    mean_minutes,
    service_rate,
    to_the_minute,
)
from gate.domain.plates import format_plate, mask_plate
from gate.domain.queue import QueueClass, QueueEntry, ServiceCycle, place_by_counts, service_order
from gate.domain.slots import Direction
from gate.domain.spoilage import spoil_risk
from gate.domain.time import SLOT_LENGTH, as_local, floor_to_slot
from gate.driver_page.road import roads
from gate.gates.service import judged_hours
from gate.live.messages import (
    Accuracy,
    CalledVehicle,
    Candidate,
    DirectionBoard,
    EnterpriseVehicle,
    EnterpriseVehicles,
    FreePlaces,
    LaneState,
    Notice,
    OfficerBoard,
    PendingReadEntry,
    PublicBoard,
    WaitChart,
    YardEntry,
)
from gate.live.roads import road_of
from gate.live.wait_chart import wait_chart
from gate.live.waiting_yards import dispatch_states, dispatched_trucks, on_the_way, yards_of_gate
from gate.store.tables import Booking, ClearanceDecisionRow, Gate, GateDirection, Lane
from gate.store.tables import Notice as NoticeRow
from gate.store.unit_of_work import UnitOfWork
from gate.yard.counts import ahead_in_class, from_here_back, per_class
from gate.yard.counts import of_gate_with as counts_with
from gate.yard.places import order_in_class, places_in_queue
from gate.yard.service import cursor_position

FREE_PLACES_AHEAD = 6  # hours of free places shown on the board
ACCURACY_SAMPLES = 50
# The officer board lists the head of the queue; the rest is counted, not sent to every console.
OFFICER_QUEUE_HEAD = 200
AGENCY_SAMPLES = 20


@dataclass
class DirectionState:
    """What one direction of a gate looks like now, shared by every view of it. A crisis yard
    holds thousands of trucks and the boards are rebuilt twice a second, so the queue is read
    as counts per class and the head of each class: the first OFFICER_QUEUE_HEAD vehicles of
    the service order come from those heads (none of them can be further back in its class).
    Any other vehicle's place is counted when someone asks for it (``places_in_queue``)."""

    direction: Direction
    lanes: list[Lane]
    counts: dict[QueueClass, int]  # vehicles waiting per class
    head: list[Booking]  # the first OFFICER_QUEUE_HEAD of the service order, in full
    at_lanes: list[Booking]
    rate: ServiceRate
    wait_for_newcomer: float | None
    free: list[FreePlaces]

    @property
    def waiting_total(self) -> int:
        return sum(self.counts.values())

    @cached_property
    def places(self) -> dict[str, int]:
        """The 1-based place of each vehicle of the head."""
        return {booking.id: place for place, booking in enumerate(self.head, start=1)}

    def eta(self, position: int, now: datetime) -> datetime | None:
        minutes = self.rate.minutes_for(position)
        return None if minutes is None else now + timedelta(minutes=minutes)


async def direction_state(
    session: AsyncSession,
    gate: Gate,
    direction: Direction,
    now: datetime,
    uow: UnitOfWork,
    horizon: timedelta,
) -> DirectionState:
    lanes = [lane for lane in await _lanes(session, gate) if lane.direction == direction.value]
    here = (Booking.gate_id == gate.id, Booking.direction == direction.value)
    waiting = (*here, Booking.status == BookingStatus.ARRIVED.value)
    # A newcomer: a regular vehicle on time for this hour, arriving now. Those ahead of it
    # are the regular ones on time less those from its place to the back of them (the
    # early ones of later hours): counts kept by the database and one bounded range, not a
    # pass over the yard every rebuild.
    newcomer = QueueEntry("~newcomer", QueueClass.REGULAR, False, floor_to_slot(now), now)
    regular = QueueClass.REGULAR.value
    back = from_here_back(
        direction.value, regular, False, newcomer.slot_start, newcomer.arrived_at, newcomer.id
    )
    parts, behind_newcomer = await counts_with(uow, gate, back)
    counts = per_class(parts.waiting, direction.value)
    ahead_of_newcomer = ahead_in_class(
        parts, direction.value, regular, False, int(behind_newcomer or 0)
    )
    # Each class's head: those with a spoil-by first (only when the counts say it has any),
    # then those without, each read in the index's order.
    spoiling = per_class(parts.with_spoil_by, direction.value)
    heads = [
        _entry(*row)
        for queue_class in QueueClass
        if counts[queue_class]
        for with_spoil_by in (True, False)
        if spoiling[queue_class] or not with_spoil_by
        for row in await session.execute(
            select(
                Booking.id,
                Booking.queue_class,
                Booking.queue_behind,
                Booking.slot_start,
                Booking.arrived_at,
                Booking.spoil_by,
            )
            .where(
                *waiting,
                Booking.queue_class == queue_class.value,
                Booking.spoil_by.is_not(None) if with_spoil_by else Booking.spoil_by.is_(None),
            )
            .order_by(*order_in_class().clauses)
            .limit(OFFICER_QUEUE_HEAD)
        )
    ]
    at_lanes = list(
        await session.scalars(
            select(Booking).where(*here, Booking.status.in_([s.value for s in AT_LANE_STATUSES]))
        )
    )
    cycle = ServiceCycle.parse(gate.service_cycle)
    position = await cursor_position(uow, gate, direction, lock=False)
    head_ids = [entry.id for entry in service_order(heads, cycle, position)[:OFFICER_QUEUE_HEAD]]
    loaded = {
        b.id: b for b in await session.scalars(select(Booking).where(Booking.id.in_(head_ids)))
    }
    with_newcomer = {**counts, QueueClass.REGULAR: counts[QueueClass.REGULAR] + 1}
    newcomer_place = place_by_counts(
        with_newcomer, QueueClass.REGULAR, ahead_of_newcomer, cycle, position
    )
    calls = await session.scalars(
        select(Booking.called_at).where(*here, Booking.called_at >= now - timedelta(hours=1))
    )
    schedule = await session.get(GateDirection, (gate.id, direction.value))
    planned = schedule.hourly_capacity if schedule else 0
    rate = service_rate([t for t in calls if t], now, planned, sum(ln.is_open for ln in lanes))
    minutes = rate.minutes_for(newcomer_place - 1)
    return DirectionState(
        direction=direction,
        lanes=lanes,
        counts=counts,
        head=[loaded[i] for i in head_ids if i in loaded],
        at_lanes=sorted(at_lanes, key=lambda b: (b.called_at or b.slot_start, b.id)),
        rate=rate,
        wait_for_newcomer=minutes,
        free=await _free_places(uow, gate, direction, now, horizon),
    )


def _entry(
    booking_id: str,
    queue_class: str | None,
    behind: bool,
    slot_start: datetime,
    arrived_at: datetime | None,
    spoil_by: datetime | None,
) -> QueueEntry:
    assert queue_class is not None and arrived_at is not None  # set for every vehicle waiting
    return QueueEntry(booking_id, QueueClass(queue_class), behind, slot_start, arrived_at, spoil_by)


async def _lanes(session: AsyncSession, gate: Gate) -> list[Lane]:
    query = select(Lane).where(Lane.gate_id == gate.id).order_by(Lane.code)
    return list(await session.scalars(query))


async def _free_places(
    uow: UnitOfWork, gate: Gate, direction: Direction, now: datetime, horizon: timedelta
) -> list[FreePlaces]:
    """The next FREE_PLACES_AHEAD hours as availability shows them (``judged_hours``, booking's
    own rule): an hour booking would refuse (beyond the horizon, closed, full) has no place."""
    begin = floor_to_slot(now)
    end = begin + FREE_PLACES_AHEAD * SLOT_LENGTH
    hours = await judged_hours(uow, gate, direction, begin, end, now=now, horizon=horizon)
    return [FreePlaces(as_local(h.starts_at), h.remaining, h.capacity == 0) for h in hours]


def _direction_board(state: DirectionState, lane_codes: dict[str, str]) -> DirectionBoard:
    counts = {c.value: state.counts[c] for c in QueueClass}
    return DirectionBoard(
        direction=state.direction.value,
        lanes=[LaneState(ln.code, ln.is_open) for ln in state.lanes],
        lanes_open=sum(ln.is_open for ln in state.lanes),
        waiting=counts,
        waiting_total=state.waiting_total,
        called=[
            CalledVehicle(mask_plate(b.plate), b.code, lane_codes.get(b.lane_id or ""))
            for b in state.at_lanes
            if b.status == BookingStatus.CALLED.value
        ],
        service_rate_per_hour=round(state.rate.per_hour, 1),
        rate_measured=state.rate.measured,
        estimated_wait_minutes=(
            None if state.wait_for_newcomer is None else round(state.wait_for_newcomer)
        ),
        free_places=state.free,
    )


async def _accuracy(session: AsyncSession, gate: Gate) -> Accuracy:
    rows = await session.execute(
        select(Booking.predicted_call_at, Booking.called_at)
        .where(
            Booking.gate_id == gate.id,
            Booking.predicted_call_at.is_not(None),
            Booking.called_at.is_not(None),
        )
        .order_by(Booking.called_at.desc())
        .limit(ACCURACY_SAMPLES)
    )
    measured = forecast_accuracy([(p, a) for p, a in rows if p and a])
    return Accuracy(
        measured.samples, measured.mean_absolute_error_minutes, measured.mean_error_minutes
    )


async def _notices(session: AsyncSession, gate: Gate, now: datetime) -> list[Notice]:
    rows = await session.scalars(
        select(NoticeRow)
        .where(
            NoticeRow.gate_id == gate.id,
            NoticeRow.withdrawn_at.is_(None),
            or_(NoticeRow.expires_at.is_(None), NoticeRow.expires_at > now),
        )
        .order_by(NoticeRow.created_at.desc())
    )
    return [Notice(n.id, n.text, as_local(n.created_at)) for n in rows]


@dataclass
class GateState:
    gate: Gate
    directions: list[DirectionState]
    lane_codes: dict[str, str]
    agency_minutes: dict[str, float | None]


async def gate_state(uow: UnitOfWork, gate: Gate, now: datetime, horizon: timedelta) -> GateState:
    """``horizon``: the booking horizon, so the free places shown are the ones booking takes."""
    session = uow.session
    states = [await direction_state(session, gate, d, now, uow, horizon) for d in Direction]
    lane_codes = {ln.id: ln.code for s in states for ln in s.lanes}
    return GateState(gate, states, lane_codes, await _agency_minutes(session, gate))


async def public_board(
    uow: UnitOfWork, state: GateState, now: datetime, waits: list[WaitChart] | None = None
) -> PublicBoard:
    """The public board; ``waits``: its wait chart as the projector holds it (None: read now,
    for a page or a request that builds a board the projector does not hold)."""
    gate = state.gate
    if waits is None:
        waits = await wait_chart(uow.session, gate.id, now)
    return PublicBoard(
        gate=gate.code,
        name=gate.name,
        name_en=gate.name_en,
        paused=gate.paused,
        paused_reason=gate.paused_reason,
        notices=await _notices(uow.session, gate, now),
        directions=[_direction_board(s, state.lane_codes) for s in state.directions],
        forecast_accuracy=await _accuracy(uow.session, gate),
        yards=await yards_of_gate(uow.session, gate, now),
        on_the_way=await on_the_way(uow.session, gate, now),
        recent_waits=waits,
    )


def yard_entry(
    booking: Booking,
    state: DirectionState | None,
    lane_codes: dict[str, str],
    now: datetime,
    position: int | None,
    agency_minutes: dict[str, float | None] | None = None,
) -> YardEntry:
    eta = None
    if state is not None and position is not None:
        eta = state.eta(position - 1, now)
    elif state is not None and booking.status == BookingStatus.BOOKED.value:
        # Not in the yard yet: it will wait about as long as a newcomer does now.
        start = max(booking.slot_start, now)
        wait = state.wait_for_newcomer
        eta = None if wait is None else start + timedelta(minutes=wait)
    exit_at = None
    if eta is not None and agency_minutes is not None:
        # Agencies inspect side by side: the slowest required one sets the pace.
        required = agencies_for(booking)
        known = [m for a, m in agency_minutes.items() if m is not None and a in required]
        exit_at = eta + timedelta(minutes=max(known, default=0))
    return YardEntry(
        booking_id=booking.id,
        booking_code=booking.code,
        plate=format_plate(booking.plate),
        direction=booking.direction,
        status=booking.status,
        version=booking.version,
        queue_class=booking.queue_class,
        position=position,
        slot_start=as_local(booking.slot_start),
        arrived_at=as_local(booking.arrived_at) if booking.arrived_at else None,
        lane=lane_codes.get(booking.lane_id or ""),
        estimated_call_at=as_local(to_the_minute(eta)) if eta else None,
        estimated_exit_at=as_local(to_the_minute(exit_at)) if exit_at else None,
        trailer_plate=format_plate(booking.trailer_plate) if booking.trailer_plate else None,
        arrived_trailer_plate=(
            format_plate(booking.arrived_trailer_plate) if booking.arrived_trailer_plate else None
        ),
        spoil_by=as_local(booking.spoil_by) if booking.spoil_by else None,
        spoil_risk=spoil_risk(booking.spoil_by, (booking.predicted_call_at, eta)),
        fee_unpaid=booking.fee_unpaid,
    )


async def officer_board(uow: UnitOfWork, state: GateState, now: datetime) -> OfficerBoard:
    waiting, at_lanes = [], []
    for s in state.directions:
        # The head of each queue; the rest are counted on the direction boards.
        waiting += [
            yard_entry(b, s, state.lane_codes, now, place)
            for place, b in enumerate(s.head, start=1)
        ]
        at_lanes += [yard_entry(b, s, state.lane_codes, now, None) for b in s.at_lanes]
    return OfficerBoard(
        gate=state.gate.code,
        paused=state.gate.paused,
        directions=[_direction_board(s, state.lane_codes) for s in state.directions],
        waiting=waiting,
        at_lanes=at_lanes,
        agency_minutes=state.agency_minutes,
        pending_reads=await pending_read_entries(uow, state.gate),
        dispatched=await dispatched_trucks(uow.session, state.gate, now),
        dispatch=await dispatch_states(uow.session, state.gate),
    )


async def pending_read_entries(uow: UnitOfWork, gate: Gate) -> list[PendingReadEntry]:
    """The gate's camera reads waiting for an officer, oldest first, each with the trucks it
    may be (officers only: full plates). The officer board and the officers' API show these."""
    return [
        PendingReadEntry(
            id=row.id,
            plate_read=format_plate(row.plate_read),
            direction=row.direction,
            observed_at=as_local(row.observed_at),
            candidates=[
                Candidate(
                    booking_id=b.id,
                    booking_code=b.code,
                    plate=format_plate(b.plate),
                    trailer_plate=format_plate(b.trailer_plate) if b.trailer_plate else None,
                    direction=b.direction,
                    status=b.status,
                    slot_start=as_local(b.slot_start),
                )
                for b in candidates
            ],
        )
        for row, candidates in await pending_reads(uow, gate)
    ]


async def _agency_minutes(session: AsyncSession, gate: Gate) -> dict[str, float | None]:
    rows = await session.execute(
        select(
            ClearanceDecisionRow.agency,
            ClearanceDecisionRow.decided_at,
            Booking.inspection_started_at,
        )
        .join(Booking, Booking.id == ClearanceDecisionRow.booking_id)
        .where(Booking.gate_id == gate.id, Booking.inspection_started_at.is_not(None))
        .order_by(ClearanceDecisionRow.decided_at.desc())
        .limit(AGENCY_SAMPLES * 4)
    )
    durations: dict[str, list[timedelta]] = defaultdict(list)
    for agency, decided_at, started_at in rows:
        if len(durations[agency]) < AGENCY_SAMPLES and started_at is not None:
            durations[agency].append(decided_at - started_at)
    agencies = ("border_guard", "customs", "quarantine")
    return {
        a: (None if (m := mean_minutes(durations[a])) is None else round(m, 1)) for a in agencies
    }


async def enterprise_vehicles(
    uow: UnitOfWork, enterprise_id: str, states: dict[str, GateState], now: datetime
) -> EnterpriseVehicles:
    """The enterprise's bookings from the last day onwards that are still going on."""
    rows = await uow.session.scalars(
        select(Booking)
        .where(
            Booking.enterprise_id == enterprise_id,
            Booking.status.in_([BookingStatus.BOOKED.value, *(s.value for s in IN_YARD_STATUSES)]),
            Booking.slot_start >= now - timedelta(days=1),
        )
        .order_by(Booking.slot_start, Booking.id)
    )
    bookings = list(rows)
    beyond_head = await _places_beyond_head(uow, bookings, states)
    on_road = await roads(uow, [b.id for b in bookings], now)
    vehicles = []
    for booking in bookings:
        state = states.get(booking.gate_id)
        direction = None
        position = None
        if state is not None:
            direction = next(s for s in state.directions if s.direction.value == booking.direction)
            position = direction.places.get(booking.id) or beyond_head.get(booking.id)
        lane_codes = state.lane_codes if state else {}
        minutes = state.agency_minutes if state else None
        entry = yard_entry(booking, direction, lane_codes, now, position, minutes)
        vehicles.append(
            EnterpriseVehicle(**structs.asdict(entry), road=road_of(on_road[booking.id]))
        )
    return EnterpriseVehicles(enterprise_id, vehicles)


async def _places_beyond_head(
    uow: UnitOfWork, bookings: list[Booking], states: dict[str, GateState]
) -> dict[str, int]:
    """The places of the vehicles the boards' heads do not hold, one count per gate."""
    asked: dict[str, list[Booking]] = defaultdict(list)
    for booking in bookings:
        state = states.get(booking.gate_id)
        if state is None or booking.status != BookingStatus.ARRIVED.value:
            continue
        if not any(booking.id in d.places for d in state.directions):
            asked[booking.gate_id].append(booking)
    places: dict[str, int] = {}
    for gate_id, waiting in asked.items():
        counted = await places_in_queue(uow, states[gate_id].gate, [(b, 0) for b in waiting])
        places.update({b.id: p for b, p in zip(waiting, counted, strict=True) if p is not None})
    return places

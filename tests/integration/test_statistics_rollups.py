"""The statistics' rollups equal a direct computation from the database on random histories,
kept current by the incremental job run in several steps between the changes, and again
after a rebuild (issue 17, first acceptance point).

Histories are written as the use cases write them, not through them: each change is the
booking row's columns set as its use case sets them and the state moved by the real
``gate/bookings/transitions.py::move`` (so the real event goes through the real unit of work
into the gate's audit chain, which the job reads), each in its own transaction. The use cases
themselves would need an enterprise, a vehicle, devices and officers' sessions per example
and check every time against the clock; the job never sees the difference. The direct
computation is written again here, by hand: a GROUP BY for the slot hour's counts, a plain
walk over the rows for the rest, never ``gate/domain/statistics.py``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import case, event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gate.bookings.transitions import event_fields, move
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.bookings import BookingStatus, new_booking_code
from gate.domain.events import (
    SYSTEM,
    BookingCancelled,
    BookingCreated,
    BookingLapsed,
    BookingRescheduled,
    ClearanceDecided,
    InspectionStarted,
    VehicleArrived,
    VehicleCalled,
    VehicleExited,
    VehicleRequeued,
)
from gate.domain.statistics import ERROR_BOUNDS_MINUTES, WAIT_BOUNDS_MINUTES
from gate.statistics.capacity import capacity_use
from gate.statistics.reads import (
    Grain,
    Scope,
    agency_times,
    counts,
    forecast_accuracy,
    typical_waits,
)
from gate.statistics.rebuild import rebuild_statistics
from gate.statistics.update import update_statistics
from gate.store.database import conflict_insert, create_engine, create_session_factory
from gate.store.tables import (
    Booking,
    ClearanceDecisionRow,
    Gate,
    Officer,
    Slot,
    StatisticsHour,
    StatisticsTime,
)
from gate.store.types import new_id
from gate.store.unit_of_work import UnitOfWork
from tests.integration.test_statistics_tiers import tiers_from_hours, tiers_held

BASE = datetime(2026, 11, 2, tzinfo=UTC)
AGENCIES = ("border_guard", "customs", "quarantine")


@dataclass(frozen=True)
class Plan:
    """One truck's story: what happens to it, and when (minutes after its slot starts)."""

    gate: int
    direction: str
    slot_hour: int  # hours after BASE
    moved_to: int | None  # a reschedule before anything else, to this hour
    perishable: bool
    walk_in: bool
    fate: str  # one of FATES
    queue_class: str
    arrive: int
    wait: int
    forecast: int | None
    lane: int
    decisions: tuple[tuple[str, int], ...]
    exit_after: int


FATES = ("booked", "cancelled", "lapsed", "arrived", "called", "inspected", "exited")
# The fates that end a truck's story early: the one they follow, and the steps that end it
# (the queue lets an uncalled truck go after a day; an agency turns a truck back; a truck
# that missed its call is re-queued, keeping that call's time, and then let go).
ENDINGS = {
    "expired": ("arrived", ("expire",)),
    "turned_back": ("inspected", ("turn_back",)),
    "requeued_expired": ("called", ("requeue", "expire")),
}
plans = st.builds(
    Plan,
    gate=st.integers(0, 1),
    direction=st.sampled_from(["export", "import"]),
    slot_hour=st.integers(0, 24 * 8),
    moved_to=st.none() | st.integers(0, 24 * 8),
    perishable=st.booleans(),
    walk_in=st.booleans(),
    fate=st.sampled_from((*FATES, *ENDINGS)),
    queue_class=st.sampled_from(["perishable", "aeo", "regular"]),
    arrive=st.integers(-30, 59),
    wait=st.integers(0, 60 * 30),
    forecast=st.none() | st.integers(-300, 300),
    lane=st.integers(0, 400),
    decisions=st.lists(
        st.tuples(st.sampled_from(AGENCIES), st.integers(0, 60 * 26)), max_size=4
    ).map(tuple),
    exit_after=st.integers(0, 600),
)


def steps_of(plan: Plan) -> list[str]:
    """The changes of one truck, in order; each is one transaction."""
    fate, end = ENDINGS.get(plan.fate, (plan.fate, ()))
    if plan.walk_in:
        start = ["walk_in"]
        later = FATES.index(fate) if fate in FATES[3:] else 3
    else:
        start = ["book"] + (["reschedule"] if plan.moved_to is not None else [])
        if fate in ("booked", "cancelled", "lapsed"):
            return start + ([] if fate == "booked" else [fate])
        start.append("arrive")
        later = FATES.index(fate)
    rest = ["call", "inspect", *(["decide"] * len(plan.decisions)), "exit"]
    wanted = {3: 0, 4: 1, 5: 2 + len(plan.decisions), 6: 3 + len(plan.decisions)}[later]
    return start + rest[:wanted] + list(end)


class Writer:
    """Applies a truck's changes as its use cases write them."""

    def __init__(self, new_uow: Callable[[], UnitOfWork], gates: list[Gate], officer: str):
        self.new_uow, self.gates, self.officer = new_uow, gates, officer
        self.ids: dict[int, str] = {}
        self.decided: dict[int, int] = defaultdict(int)

    async def apply(self, index: int, plan: Plan, step: str) -> None:
        gate = self.gates[plan.gate]
        hour = plan.moved_to if plan.moved_to is not None and step != "book" else plan.slot_hour
        slot_start = BASE + timedelta(hours=hour)
        arrived = slot_start + timedelta(minutes=plan.arrive)
        called = arrived + timedelta(seconds=plan.wait * 7 + 3)
        lane = called + timedelta(seconds=plan.lane * 5 + 1)
        async with self.new_uow() as uow:
            if step in ("book", "walk_in"):
                booking = Booking(
                    code=new_booking_code(),
                    gate_id=gate.id,
                    direction=plan.direction,
                    slot_id=await _slot(uow, gate, plan.direction, slot_start),
                    slot_start=slot_start,
                    plate=f"29C{index:05d}",
                    perishable=plan.perishable,
                    status=BookingStatus.BOOKED.value,
                    walk_in=plan.walk_in,
                )
                uow.session.add(booking)
                await uow.session.flush()
                self.ids[index] = booking.id
                uow.record(
                    BookingCreated(**event_fields(booking, gate), to_status="booked", actor=SYSTEM)
                )
                if step == "walk_in":
                    self._arrive(uow, booking, gate, plan, arrived)
            else:
                booking = await uow.session.get_one(Booking, self.ids[index])
            if step == "reschedule":
                previous = booking.slot_start.isoformat()
                booking.slot_id = await _slot(uow, gate, plan.direction, slot_start)
                booking.slot_start = slot_start
                booking.version += 1
                uow.record(
                    BookingRescheduled(
                        **event_fields(booking, gate),
                        from_status="booked",
                        to_status="booked",
                        actor=SYSTEM,
                        previous_slot_start=previous,
                    )
                )
            elif step == "cancelled":
                booking.cancelled_at = slot_start
                move(uow, booking, gate, BookingStatus.CANCELLED, BookingCancelled, SYSTEM)
            elif step == "lapsed":
                move(uow, booking, gate, BookingStatus.NO_SHOW, BookingLapsed, SYSTEM)
            elif step == "arrive":
                self._arrive(uow, booking, gate, plan, arrived)
            elif step == "call":
                booking.called_at = called
                move(uow, booking, gate, BookingStatus.CALLED, VehicleCalled, SYSTEM)
            elif step == "inspect":
                booking.inspection_started_at = lane
                move(uow, booking, gate, BookingStatus.IN_INSPECTION, InspectionStarted, SYSTEM)
            elif step == "decide":
                agency, minutes = plan.decisions[self.decided[index]]
                self.decided[index] += 1
                uow.session.add(
                    ClearanceDecisionRow(
                        booking_id=booking.id,
                        agency=agency,
                        decision="cleared",
                        officer_id=self.officer,
                        decided_at=lane + timedelta(minutes=minutes, seconds=11),
                    )
                )
                booking.version += 1
                uow.record(
                    ClearanceDecided(
                        **event_fields(booking, gate),
                        from_status=booking.status,
                        to_status=booking.status,
                        actor=SYSTEM,
                    )
                )
            elif step == "requeue":  # as gate/yard/service.py::sweep_missed_calls does
                booking.missed_calls += 1
                booking.queue_behind = True
                move(uow, booking, gate, BookingStatus.ARRIVED, VehicleRequeued, SYSTEM)
            elif step == "expire":
                move(uow, booking, gate, BookingStatus.EXPIRED, BookingLapsed, SYSTEM)
            elif step == "turn_back":
                uow.session.add(
                    ClearanceDecisionRow(
                        booking_id=booking.id,
                        agency=AGENCIES[index % 3],
                        decision="rejected",
                        reason="papers",
                        officer_id=self.officer,
                        decided_at=lane + timedelta(minutes=plan.exit_after, seconds=13),
                    )
                )
                move(uow, booking, gate, BookingStatus.REJECTED, ClearanceDecided, SYSTEM)
            elif step == "exit":
                move(uow, booking, gate, BookingStatus.CLEARED, ClearanceDecided, SYSTEM)
                booking.exited_at = called + timedelta(minutes=plan.exit_after, seconds=5)
                move(uow, booking, gate, BookingStatus.EXITED, VehicleExited, SYSTEM)
            await uow.session.flush()
            await uow.commit()

    @staticmethod
    def _arrive(uow: UnitOfWork, booking: Booking, gate: Gate, plan: Plan, at: datetime) -> None:
        booking.arrived_at = at
        booking.queue_class = plan.queue_class
        if plan.forecast is not None:
            booking.predicted_call_at = at + timedelta(minutes=plan.forecast)
        move(uow, booking, gate, BookingStatus.ARRIVED, VehicleArrived, SYSTEM)


async def _slot(uow: UnitOfWork, gate: Gate, direction: str, start: datetime) -> str:
    insert = conflict_insert(uow.session)
    await uow.session.execute(
        insert(Slot)
        .values(gate_id=gate.id, direction=direction, starts_at=start, capacity=1000, booked=0)
        .on_conflict_do_nothing(index_elements=["gate_id", "direction", "starts_at"])
    )
    query = select(Slot.id).where(
        Slot.gate_id == gate.id, Slot.direction == direction, Slot.starts_at == start
    )
    return str(await uow.session.scalar(query))


def _bucket(bounds: tuple[int, ...], seconds: int) -> int:
    return sum(1 for bound in bounds if seconds >= bound * 60)


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


async def direct(uow: UnitOfWork) -> tuple[dict[Any, int], dict[Any, tuple[int, int]]]:
    """The rollups computed straight from bookings and decisions."""
    session = uow.session
    klass = func.coalesce(
        Booking.queue_class, case((Booking.perishable, "perishable"), else_="regular")
    )
    counts: Counter[Any] = Counter()
    by_slot = select(
        Booking.gate_id,
        Booking.direction,
        Booking.slot_start,
        klass,
        func.count(),
        func.sum(case((Booking.status == "cancelled", 1), else_=0)),
        func.sum(case((Booking.status == "no_show", 1), else_=0)),
        func.sum(case((Booking.walk_in, 1), else_=0)),
    ).group_by(Booking.gate_id, Booking.direction, Booking.slot_start, klass)
    for gate_id, direction, start, queue_class, *numbers in await session.execute(by_slot):
        columns = ("made", "cancelled", "lapsed", "walk_ins")
        for column, number in zip(columns, numbers, strict=True):
            counts[gate_id, direction, _hour(start), queue_class, column] += int(number)
    times: dict[Any, tuple[int, int]] = {}

    def time(
        key: tuple[Any, ...], measure: str, start: datetime, end: datetime, at: Any = None
    ) -> None:
        seconds = int((end - start).total_seconds() // 1)
        bounds = ERROR_BOUNDS_MINUTES if measure == "forecast_error" else WAIT_BOUNDS_MINUTES
        at = at or (start if measure != "forecast_error" else key[2])
        slot = (*key[:2], _hour(at), key[3])
        slot = (*slot, measure, _bucket(bounds, seconds))
        old = times.get(slot, (0, 0))
        times[slot] = (old[0] + 1, old[1] + seconds)

    decisions: dict[str, dict[str, datetime]] = defaultdict(dict)
    refused: dict[str, datetime] = {}
    for booking_id, decided_at in await session.execute(
        select(ClearanceDecisionRow.booking_id, func.min(ClearanceDecisionRow.decided_at))
        .where(ClearanceDecisionRow.decision == "rejected")
        .group_by(ClearanceDecisionRow.booking_id)
    ):
        refused[booking_id] = decided_at
    for booking_id, agency, decided_at in await session.execute(
        select(
            ClearanceDecisionRow.booking_id,
            ClearanceDecisionRow.agency,
            func.max(ClearanceDecisionRow.decided_at),
        ).group_by(ClearanceDecisionRow.booking_id, ClearanceDecisionRow.agency)
    ):
        decisions[booking_id][agency] = decided_at
    for row in await session.execute(select(Booking).where(Booking.arrived_at.is_not(None))):
        b = row[0]
        key = (b.gate_id, b.direction, b.arrived_at, b.queue_class)
        counts[b.gate_id, b.direction, _hour(b.arrived_at), b.queue_class, "checked_in"] += 1
        if b.called_at:
            counts[b.gate_id, b.direction, _hour(b.called_at), b.queue_class, "called"] += 1
        if b.status == "expired":  # let go after a day uncalled (re-queued too): a day at least
            gone = b.arrived_at + timedelta(hours=24)
            counts[b.gate_id, b.direction, _hour(gone), b.queue_class, "expired"] += 1
            time(key, "wait_for_call", b.arrived_at, gone)
            time(key, "wait_ended", b.arrived_at, gone, at=gone)
        elif b.called_at:
            time(key, "wait_for_call", b.arrived_at, b.called_at)
            time(key, "wait_ended", b.arrived_at, b.called_at, at=b.called_at)
        if b.status == "rejected":
            counts[b.gate_id, b.direction, _hour(refused[b.id]), b.queue_class, "turned_back"] += 1
            time(key, "call_to_turn_back", b.called_at, refused[b.id])
        if b.called_at and b.predicted_call_at:
            time(key, "forecast_error", b.predicted_call_at, b.called_at)
        if b.exited_at:
            counts[b.gate_id, b.direction, _hour(b.exited_at), b.queue_class, "exited"] += 1
            time(key, "call_to_exit", b.called_at, b.exited_at)
        for agency, decided_at in decisions[b.id].items():
            time(key, f"agency:{agency}", b.inspection_started_at, decided_at)
    return {k: v for k, v in counts.items() if v}, times


async def rollups(uow: UnitOfWork) -> tuple[dict[Any, int], dict[Any, tuple[int, int]]]:
    counts: dict[Any, int] = {}
    for row in (await uow.session.scalars(select(StatisticsHour))).all():
        for column in (
            "made", "cancelled", "lapsed", "walk_ins", "checked_in", "called", "exited",
            "turned_back", "expired",
        ):  # fmt: skip
            if value := getattr(row, column):
                counts[row.gate_id, row.direction, row.hour, row.queue_class, column] = value
    times = {
        (r.gate_id, r.direction, r.hour, r.queue_class, r.measure, r.bucket): (r.count, r.seconds)
        for r in (await uow.session.scalars(select(StatisticsTime))).all()
        if r.count or r.seconds
    }
    return counts, times


ROLLUPS = (
    "statistics_hours",
    "statistics_times",
    "statistics_days",
    "statistics_day_times",
    "statistics_weekday_hours",
)


@contextmanager
def writes_to_rollups(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL of every statement run on ``engine`` meanwhile that names a rollup."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if any(name in statement for name in ROLLUPS):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)


def assert_each_row_written_once(statements: list[str]) -> None:
    """The rebuild wrote each rollup row once (issue 17: its upserts per part left 2 to 3
    dead rows per live one over a year): each rollup, emptied, is written by one INSERT and
    no upsert or update (a key written twice by it would break the primary key). (PostgreSQL's
    pg_stat_xact_user_tables cannot show it: it holds earlier transactions' counts not yet
    reported.)"""
    for name in ROLLUPS:
        writes = [s for s in statements if re.match(rf"\s*(INSERT|UPDATE)\b.*?\b{name}\b", s, re.S)]
        assert len(writes) == 1, (name, writes)
        assert "ON CONFLICT" not in writes[0].upper() and "UPDATE" not in writes[0].upper()


# One database for every example, on purpose: the histories pile up, and the rollups must
# equal the direct computation over all of them (each example's job starts from the last's).
@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    trucks=st.lists(plans, min_size=1, max_size=14),
    order=st.randoms(use_true_random=False),
    pauses=st.lists(st.integers(0, 60), max_size=3),
)
async def test_rollups_equal_a_direct_computation_and_a_rebuild(
    settings: Settings, trucks: list[Plan], order: Any, pauses: list[int]
):
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    read = create_session_factory(engine, read_only=True)

    def new_uow() -> UnitOfWork:
        return UnitOfWork(factory, InMemoryEventBus())

    try:
        async with new_uow() as uow:
            gates = list(await uow.session.scalars(select(Gate).order_by(Gate.code).limit(2)))
            officer = Officer(
                email=f"stat-{new_id()}@example.vn",
                full_name="x",
                agency="customs",
                password_hash="x",
            )
            uow.session.add(officer)
            await uow.session.flush()
            officer_id = officer.id
            await uow.commit()
        writer = Writer(new_uow, gates, officer_id)
        # Each truck's changes in its order, the trucks' interleaved at random; the job runs
        # at the pauses (some in the middle of trucks' stories) and at the end.
        queues = {index: steps_of(plan) for index, plan in enumerate(trucks)}
        done = 0
        while any(queues.values()):
            index = order.choice([i for i, steps in queues.items() if steps])
            await writer.apply(index, trucks[index], queues[index].pop(0))
            done += 1
            if done in pauses:
                await update_statistics(new_uow, limit=3)
        await update_statistics(new_uow, limit=3)
        async with UnitOfWork(read, InMemoryEventBus()) as uow:
            expected = await direct(uow)
            assert await rollups(uow) == expected
            # The daily and weekday-hour rows are the hourly ones summed (issue 17's speed).
            assert await tiers_held(uow.session) == await tiers_from_hours(uow.session)
        # Nothing changed: a second run folds nothing in and changes nothing.
        assert await update_statistics(new_uow) == 0
        async with new_uow() as uow:
            # Written in parts of three bookings: the parts add up to the whole.
            with writes_to_rollups(engine) as statements:
                await rebuild_statistics(uow, flush=3)
            assert_each_row_written_once(statements)
            await uow.commit()
        async with UnitOfWork(read, InMemoryEventBus()) as uow:
            assert await rollups(uow) == expected
            # The daily and weekday-hour rows are the hourly ones summed (issue 17's speed).
            assert await tiers_held(uow.session) == await tiers_from_hours(uow.session)
        # After a rebuild the job goes on from the chains' heads.
        assert await update_statistics(new_uow) == 0
    finally:
        await engine.dispose()


async def test_the_reads_answer_from_the_rollups(settings: Settings):
    """Two trucks on one gate's export side, same slot (Monday 2026-11-02 08:00 UTC, 15:00
    in Lạng Sơn): one waits 10 min 5 s for its call (told 12 min) and is decided by customs
    41 min 11 s after reaching its lane; the other is cancelled. The reads give what the
    rollups hold."""
    engine = create_engine(settings)
    factory = create_session_factory(engine)

    def new_uow() -> UnitOfWork:
        return UnitOfWork(factory, InMemoryEventBus())

    try:
        async with new_uow() as uow:
            gates = list(await uow.session.scalars(select(Gate).order_by(Gate.code).limit(2)))
            officer = Officer(
                email="reads@example.vn", full_name="x", agency="customs", password_hash="x"
            )
            uow.session.add(officer)
            await uow.session.flush()
            officer_id = officer.id
            await uow.commit()
        writer = Writer(new_uow, gates, officer_id)
        common = dict(
            gate=0, direction="export", slot_hour=8, moved_to=None, perishable=False,
            walk_in=False, queue_class="regular", arrive=5, wait=86, forecast=12, lane=0,
            decisions=(("customs", 41),), exit_after=0,
        )  # fmt: skip
        trucks = [Plan(fate="exited", **common), Plan(fate="cancelled", **common)]
        for index, plan in enumerate(trucks):
            for step in steps_of(plan):
                await writer.apply(index, plan, step)
        await update_statistics(new_uow)
        week = Scope(BASE, BASE + timedelta(days=7), gate_id=gates[0].id, direction="export")
        async with new_uow() as uow:
            (day,) = await counts(uow.session, week, Grain.DAY)
            assert (day.period.isoformat(), day.made, day.cancelled, day.checked_in) == (
                "2026-11-02T00:00:00+07:00", 2, 1, 1,
            )  # fmt: skip
            assert (day.called, day.exited, day.lapsed, day.walk_ins) == (1, 1, 0, 0)
            waits = await typical_waits(uow.session, week)
            assert list(waits) == [(0, 15)]  # Monday, 15:00 local
            assert waits[0, 15].count == 1
            assert waits[0, 15].mean_minutes == 605 / 60
            agencies = await agency_times(uow.session, week)
            assert list(agencies) == ["customs"]
            assert agencies["customs"].percentile_minutes(0.5) == 2471 / 60
            ((_, error),) = await forecast_accuracy(uow.session, week, Grain.HOUR)
            assert error.mean_minutes == (605 - 720) / 60
            # Every day of the week offers the calendar's places, booked or not.
            monday, *rest = await capacity_use(uow.session, week, Grain.DAY)
            assert len(rest) >= 6 and monday.held == 0
            assert monday.offered > 0 and monday.use == 0.0
            other_gate = Scope(BASE, BASE + timedelta(days=7), gate_id=gates[1].id)
            assert await counts(uow.session, other_gate, Grain.HOUR) == []
    finally:
        await engine.dispose()

"""A gate's fee schedule (biểu phí): versions made by the administration, each in force from
its effective instant until the next's; never rewritten (gate/domain/fees.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select

from gate.domain.events import Actor
from gate.domain.fee_events import FeeScheduleMade
from gate.domain.fees import (
    Rate,
    check_decision,
    check_new_version,
    check_rates,
)
from gate.domain.slots import Direction
from gate.store.tables import Gate
from gate.store.tables.fees import FeeRate, FeeSchedule
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class ScheduleWithRates:
    """A stored version and its rates (gate.domain.fees.Rate)."""

    schedule: FeeSchedule
    rates: tuple[Rate, ...]

    @property
    def effective_from(self) -> datetime:
        return self.schedule.effective_from


async def make_version(
    uow: UnitOfWork,
    gate: Gate,
    *,
    effective_from: datetime,
    decision: str,
    rates: Sequence[Rate],
    now: datetime,
    actor: Actor,
) -> ScheduleWithRates:
    """A new version of ``gate``'s schedule, in force from ``effective_from`` (now or later,
    after the latest version's start). ValidationFailed for the rates, the decision or the
    start (gate/domain/fees.py: check_rates, check_decision, check_new_version). Audited in
    the gate's chain (``fee_schedule.made``). The latest version's row is locked first, so two
    administrators adding versions at once take turns (the second sees the first's)."""
    latest = await uow.session.scalar(
        select(FeeSchedule)
        .where(FeeSchedule.gate_id == gate.id)
        .order_by(FeeSchedule.version.desc())
        .limit(1)
        .with_for_update()
    )
    start = check_new_version(effective_from, now, latest)
    text = check_decision(decision)
    checked = check_rates(rates, [d.value for d in Direction])
    schedule = FeeSchedule(
        gate_id=gate.id,
        version=(latest.version + 1) if latest else 1,
        effective_from=start,
        decision=text,
        actor_kind=actor.kind,
        actor_id=actor.id,
    )
    uow.session.add(schedule)
    await uow.session.flush()
    uow.session.add_all(
        FeeRate(
            schedule_id=schedule.id,
            direction=rate.direction,
            vehicle_type=rate.vehicle_type,
            load_class=rate.load_class,
            amount_vnd=rate.amount_vnd,
        )
        for rate in checked
    )
    await uow.session.flush()
    uow.record(
        FeeScheduleMade(
            subject_id=schedule.id,
            gate=gate.code,
            gate_id=gate.id,
            actor=actor,
            facts={
                "version": schedule.version,
                "effective_from": start.isoformat(),
                "decision": text,
                "rates": len(checked),
            },
        )
    )
    return ScheduleWithRates(schedule, tuple(checked))


async def versions_of(uow: UnitOfWork, gate: Gate) -> list[ScheduleWithRates]:
    """Every version of ``gate``'s schedule with its rates, oldest first."""
    schedules = list(
        await uow.session.scalars(
            select(FeeSchedule).where(FeeSchedule.gate_id == gate.id).order_by(FeeSchedule.version)
        )
    )
    return await _with_rates(uow, schedules)


# The version in force at an instant: built once (every check-in batch with walk-ins asks,
# and building the statement and its cache key anew was most of its Python work: issue 20).
_IN_FORCE = (
    select(FeeSchedule)
    .where(
        FeeSchedule.gate_id == bindparam("gate_id"),
        FeeSchedule.effective_from <= bindparam("at"),
    )
    .order_by(FeeSchedule.effective_from.desc())
    .limit(1)
)


async def in_force(uow: UnitOfWork, gate_id: str, at: datetime) -> ScheduleWithRates | None:
    """The version of the gate's schedule in force at ``at`` (None: the gate charges no fee
    then: none was made, or the first starts later). Two reads: the version, its rates."""
    schedule = await uow.session.scalar(_IN_FORCE, {"gate_id": gate_id, "at": at})
    if schedule is None:
        return None
    return (await _with_rates(uow, [schedule]))[0]


async def _with_rates(uow: UnitOfWork, schedules: list[FeeSchedule]) -> list[ScheduleWithRates]:
    ids = [s.id for s in schedules]
    rows = (
        list(await uow.session.scalars(select(FeeRate).where(FeeRate.schedule_id.in_(ids))))
        if ids
        else []
    )
    by_schedule: dict[str, list[Rate]] = {i: [] for i in ids}
    for row in rows:
        by_schedule[row.schedule_id].append(
            Rate(row.direction, row.vehicle_type, row.load_class, row.amount_vnd)
        )
    return [ScheduleWithRates(s, tuple(by_schedule[s.id])) for s in schedules]

"""Watching perishable loads against their spoil-by (issue 18, gate/domain/spoilage.py): each
waiting truck with a spoil-by, its forecast call now, and the enterprise told once when a
forecast passes the spoil-by.

The trucks with a spoil-by are the head of their class, in the order of the queue's index
(gate/domain/queue.py), so the k-th of them has k of its class ahead of it: its place comes
from the queue's counts (``place_by_counts``) without a count per truck, and the sweep reads
only those trucks, never the yard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from gate.domain.bookings import BookingStatus
from gate.domain.events import Fact
from gate.domain.queue import QueueClass, ServiceCycle, place_by_counts
from gate.domain.slots import Direction
from gate.domain.spoilage import SpoilRiskForeseen, latest_forecast, spoil_risk
from gate.domain.time import as_utc
from gate.store.tables import Booking, Gate
from gate.store.unit_of_work import UnitOfWork
from gate.yard.counts import of_gate, per_class
from gate.yard.places import order_in_class, service_rates
from gate.yard.service import cursor_position


@dataclass(frozen=True, slots=True)
class SpoilWatch:
    """A waiting truck with a spoil-by: its booking (id, enterprise, direction, slot start),
    its spoil-by, the call forecast at its check-in and the board's forecast now (None: no
    rate to forecast with), and when its enterprise was told of the risk (None: not yet)."""

    booking_id: str
    enterprise_id: str | None
    direction: str
    slot_start: datetime
    spoil_by: datetime
    predicted_call_at: datetime | None
    forecast_call_at: datetime | None
    told_at: datetime | None

    @property
    def at_risk(self) -> bool:
        return spoil_risk(self.spoil_by, (self.predicted_call_at, self.forecast_call_at))


async def spoil_watches(uow: UnitOfWork, gate: Gate, now: datetime) -> list[SpoilWatch]:
    """Every truck waiting at ``gate`` with a spoil-by, each with its forecast call at
    ``now``: its place from the queue's counts, at the measured service rate. Reads the
    counts, and per direction that has such trucks its cursor, rate and those trucks."""
    parts = await of_gate(uow, gate)
    cycle = ServiceCycle.parse(gate.service_cycle)
    watches: list[SpoilWatch] = []
    for direction in Direction:
        spoiling = per_class(parts.with_spoil_by, direction.value)
        if not any(spoiling.values()):
            continue
        counts = per_class(parts.waiting, direction.value)
        position = await cursor_position(uow, gate, direction, lock=False)
        rate = (await service_rates(uow, gate, [(direction.value, now)]))[direction.value, now]
        for queue_class in QueueClass:
            if not spoiling[queue_class]:
                continue
            rows = list(await uow.session.execute(_spoiling(gate, direction, queue_class)))
            # Read after the counts: a truck that joined between them still has a place.
            counts[queue_class] = max(counts[queue_class], len(rows))
            for ahead, row in enumerate(rows):
                place = place_by_counts(counts, queue_class, ahead, cycle, position)
                minutes = rate.minutes_for(place - 1)
                watches.append(
                    SpoilWatch(
                        booking_id=row.id,
                        enterprise_id=row.enterprise_id,
                        direction=direction.value,
                        slot_start=row.slot_start,
                        spoil_by=row.spoil_by,
                        predicted_call_at=row.predicted_call_at,
                        forecast_call_at=None
                        if minutes is None
                        else now + timedelta(minutes=minutes),
                        told_at=row.spoil_risk_told_at,
                    )
                )
    return watches


def _spoiling(gate: Gate, direction: Direction, queue_class: QueueClass) -> Any:
    """The waiting trucks of a class with a spoil-by, in the queue's order (an index range)."""
    return (
        select(
            Booking.id,
            Booking.enterprise_id,
            Booking.slot_start,
            Booking.spoil_by,
            Booking.predicted_call_at,
            Booking.spoil_risk_told_at,
        )
        .where(
            Booking.gate_id == gate.id,
            Booking.direction == direction.value,
            Booking.status == BookingStatus.ARRIVED.value,
            Booking.queue_class == queue_class.value,
            Booking.spoil_by.is_not(None),
        )
        .order_by(*order_in_class().clauses)
    )


async def tell_spoil_risks(uow: UnitOfWork, gate: Gate, now: datetime) -> int:
    """Record SpoilRiskForeseen for each truck at ``gate`` whose forecast call passes its
    spoil-by and whose enterprise was not told yet; how many were told. Once per booking,
    also with several sweepers at once: the booking's ``spoil_risk_told_at`` is set by a
    conditional update, and only the one that set it records the event."""
    told = 0
    for watch in await spoil_watches(uow, gate, now):
        if watch.told_at is not None or not watch.at_risk:
            continue
        marked = await uow.session.execute(
            update(Booking)
            .where(
                Booking.id == watch.booking_id,
                Booking.status == BookingStatus.ARRIVED.value,
                Booking.spoil_risk_told_at.is_(None),
            )
            .values(spoil_risk_told_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(marked, "rowcount", 0) != 1:
            continue
        uow.record(_foreseen(watch, gate))
        told += 1
    return told


def _foreseen(watch: SpoilWatch, gate: Gate) -> SpoilRiskForeseen:
    forecast = latest_forecast((watch.predicted_call_at, watch.forecast_call_at))
    facts: dict[str, Fact] = {"spoil_by": as_utc(watch.spoil_by).isoformat()}
    if forecast is not None:
        facts["forecast_call_at"] = forecast.isoformat()
    return SpoilRiskForeseen(
        booking_id=watch.booking_id,
        enterprise_id=watch.enterprise_id,
        gate=gate.code,
        gate_id=gate.id,
        direction=watch.direction,
        slot_start=watch.slot_start.isoformat(),
        facts=facts,
    )


async def sweep_spoil_risks(uow: UnitOfWork, now: datetime) -> int:
    """``tell_spoil_risks`` for every gate; how many enterprises' trucks were told of."""
    told = 0
    for gate in list(await uow.session.scalars(select(Gate).order_by(Gate.code))):
        told += await tell_spoil_risks(uow, gate, now)
    await uow.session.flush()
    return told

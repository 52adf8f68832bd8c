"""A crossing's fee fixed when its booking is made or its walk-in admitted: the rate of the
schedule version in force at the booked hour, an invoice number, and the booking marked unpaid
until the fee is paid or put on a monthly statement (gate/domain/fees.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import insert

from gate.domain.fees import (
    ANY,
    FeeStatus,
    LoadClass,
    default_series,
    load_class_of,
    rate_for,
    refund_deadline,
)
from gate.fees.agreements import on_statement
from gate.fees.invoices import take_invoice_numbers
from gate.fees.schedules import ScheduleWithRates, in_force
from gate.store.tables import Gate
from gate.store.tables.base import table_of
from gate.store.tables.fees import Fee
from gate.store.types import new_id
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Crossing:
    """What a fee is fixed from: the booking's id, enterprise (None for a walk-in), direction,
    booked hour (aware), the vehicle's type (``*`` when unknown: a walk-in) and the declared
    cargo weight in kg (None: nothing declared). ``on_statement``: the enterprise pays by
    monthly statement (an agreement in force), so the fee does not hold the truck."""

    booking_id: str
    enterprise_id: str | None
    direction: str
    slot_start: datetime
    vehicle_type: str = ANY
    weight_kg: float | None = None
    on_statement: bool = False


@dataclass(frozen=True, slots=True)
class FeeDraft:
    """A fee decided and not yet stored: the rate's schedule, vehicle type and load class as
    charged, the amount (VND) and its first status (due, or statement)."""

    crossing: Crossing
    schedule_id: str
    vehicle_type: str
    load_class: str
    amount_vnd: int
    status: FeeStatus

    @property
    def holds_truck(self) -> bool:
        """True when the booking must be marked ``fee_unpaid`` (gate.domain.fees.UNPAID)."""
        return self.status is FeeStatus.DUE and self.amount_vnd > 0


def draft_fee(crossing: Crossing, schedule: ScheduleWithRates | None) -> FeeDraft | None:
    """The fee of ``crossing`` by ``schedule`` (None: no schedule in force, no fee). A rate of
    0 VND is fixed all the same (a free crossing has its invoice) and never holds the truck."""
    if schedule is None:
        return None
    load = (
        load_class_of(crossing.weight_kg) if crossing.weight_kg is not None else LoadClass.UNKNOWN
    )
    rate = rate_for(schedule.rates, crossing.direction, crossing.vehicle_type, load)
    status = FeeStatus.STATEMENT if crossing.on_statement else FeeStatus.DUE
    if rate.amount_vnd == 0:
        status = FeeStatus.PAID
    return FeeDraft(
        crossing,
        schedule.schedule.id,
        crossing.vehicle_type if rate.vehicle_type != ANY else ANY,
        load.value,
        rate.amount_vnd,
        status,
    )


async def store_fees(
    uow: UnitOfWork, gate: Gate, drafts: Sequence[FeeDraft], now: datetime
) -> list[str]:
    """Insert the drafted fees (one statement) with consecutive invoice numbers of the gate's
    series, taken last (gate/fees/invoices.py: the counter stays locked to the commit); the
    invoice numbers, in the drafts' order. The bookings must be flushed first (a fee names its
    booking)."""
    if not drafts:
        return []
    series = gate.invoice_series or default_series(gate.code)
    numbers = await take_invoice_numbers(uow, series, now, len(drafts))
    await uow.session.execute(
        insert(table_of(Fee)),
        [
            {
                "id": new_id(),
                "booking_id": draft.crossing.booking_id,
                "invoice_number": number,
                "gate_id": gate.id,
                "enterprise_id": draft.crossing.enterprise_id,
                "schedule_id": draft.schedule_id,
                "direction": draft.crossing.direction,
                "vehicle_type": draft.vehicle_type,
                "load_class": draft.load_class,
                "amount_vnd": draft.amount_vnd,
                "status": draft.status.value,
                "fixed_at": now,
                "paid_amount_vnd": 0,
                "paid_at": now if draft.status is FeeStatus.PAID else None,
                "refund_amount_vnd": 0,
                "refund_deadline": refund_deadline(draft.crossing.slot_start),
                "version": 1,
            }
            for draft, number in zip(drafts, numbers, strict=True)
        ],
    )
    return numbers


def priced_at(slot_start: datetime, now: datetime) -> datetime:
    """The instant whose schedule prices a crossing booked for ``slot_start`` at ``now``: the
    hour's start, or now when the hour began already (a walk-in, a booking of the current
    hour): the crossing is still to happen, so a version that took effect since the hour
    began is the one in force for it (issue 19's tester found the first hour of a new
    schedule charging nothing)."""
    return max(slot_start, now)


async def draft_fees(
    uow: UnitOfWork, gate: Gate, crossings: Sequence[Crossing], now: datetime
) -> list[FeeDraft | None]:
    """The fees of several crossings at ``gate`` (a check-in batch's walk-ins) decided at
    ``now``, in their order: one schedule read per booked hour among them, not one per
    crossing."""
    schedules: dict[datetime, ScheduleWithRates | None] = {}
    for start in sorted({crossing.slot_start for crossing in crossings}):
        schedules[start] = await in_force(uow, gate.id, priced_at(start, now))
    return [draft_fee(crossing, schedules[crossing.slot_start]) for crossing in crossings]


def walk_in(booking_id: str, direction: str, hour: datetime) -> Crossing:
    """A walk-in's crossing: no enterprise, no vehicle type nor cargo declared, so only a
    catch-all rate (``*`` type, ``*`` load) can match it (gate/domain/fees.py)."""
    return Crossing(booking_id, None, direction, hour, ANY, None)


async def fix_fee(
    uow: UnitOfWork, gate: Gate, crossing: Crossing, now: datetime
) -> FeeDraft | None:
    """Decide one crossing's fee (None when the gate charges none at that hour); the caller
    sets the booking's ``fee_unpaid`` from ``holds_truck`` before flushing it, then calls
    ``store_fees``. An enterprise with a monthly agreement in force at ``now`` has it fixed on
    statement (gate/fees/agreements.py), looked up only when there is a fee to fix."""
    schedule = await in_force(uow, gate.id, priced_at(crossing.slot_start, now))
    if (
        schedule is not None
        and not crossing.on_statement
        and crossing.enterprise_id in await on_statement(uow, [crossing.enterprise_id], now)
    ):
        crossing = replace(crossing, on_statement=True)
    return draft_fee(crossing, schedule)

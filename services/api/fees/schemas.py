"""A gate's fee schedule on the API (issue 19): the versions the administration adds, read by
anyone (the rates are public). The rules: gate/domain/fees.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from gate.domain.fees import Rate
from gate.fees.schedules import ScheduleWithRates
from gate.store.tables.fees import Fee
from services.common.schemas import Input, Output, ShortText, local

# Bounds that only keep a request's size sane: what a rate may hold is the domain's to say
# (gate/domain/fees.py::check_rates), with its own reasons (fee-direction-unknown, ...).
# A vehicle type is stored in 30 characters (fee_rates.vehicle_type).
VehicleTypeText = Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
WordText = Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
MAX_RATES = 500


class FeeRateBody(Input):
    """One line of a schedule: the fee in VND (whole dong, 0 to 100,000,000) of a crossing in
    ``direction`` (``export``, ``import``) by a ``vehicle_type`` (``*``: any) with a
    ``load_class`` (``empty``, ``under-10t``, ``10t-18t``, ``18t-up``; ``*``: any)."""

    direction: WordText
    vehicle_type: VehicleTypeText
    load_class: WordText
    amount_vnd: int

    def rate(self) -> Rate:
        return Rate(self.direction, self.vehicle_type, self.load_class, self.amount_vnd)


class FeeScheduleCreate(Input):
    """A new version of a gate's schedule: in force from ``effective_from`` (now or later,
    after the latest version's start) until a later version's; ``decision``, the provincial
    council's decision that set the rates (e.g. "Nghị quyết 10/2021/NQ-HĐND"); ``rates``,
    with a catch-all (``*``, ``*``) per direction."""

    effective_from: datetime
    decision: ShortText
    rates: Annotated[list[FeeRateBody], msgspec.Meta(max_length=MAX_RATES)]


class FeeRateView(Output):
    """A rate as stored: the fee in VND of a crossing in ``direction`` by ``vehicle_type``
    with ``load_class`` (``*``: any). The most specific rate matching a crossing is its
    fee (a vehicle type named outranks a load class named)."""

    direction: str
    vehicle_type: str
    load_class: str
    amount_vnd: int


class FeeScheduleView(Output):
    """A version of a gate's schedule: its number (1, 2, ... per gate), the instant it takes
    effect (on the gate's clock), the decision that set it, when it was made and its rates.
    A version is in force from ``effective_from`` until the next version's; it is never
    rewritten, and a fee once fixed keeps its amount whatever version comes later."""

    id: str
    gate: str
    version: int
    effective_from: datetime
    decision: str
    created_at: datetime
    rates: list[FeeRateView]

    @classmethod
    def of(cls, gate_code: str, made: ScheduleWithRates) -> FeeScheduleView:
        schedule = made.schedule
        rates = sorted(
            made.rates, key=lambda r: (r.direction, r.specificity, r.vehicle_type, r.load_class)
        )
        return cls(
            id=schedule.id,
            gate=gate_code,
            version=schedule.version,
            effective_from=local(schedule.effective_from),
            decision=schedule.decision,
            created_at=local(schedule.created_at),
            rates=[
                FeeRateView(r.direction, r.vehicle_type, r.load_class, r.amount_vnd) for r in rates
            ],
        )


class FeeView(Output):
    """A crossing's infrastructure fee as a booking's answer carries it: the amount in VND
    fixed when the booking was made (or the walk-in admitted), where it stands (``due``,
    ``paid``, ``statement``, ``refund_due``, ``refunded``, ``void``), its invoice number
    (the payment's reference) and the sum received so far in VND."""

    amount_vnd: int
    status: str
    invoice_number: str
    paid_amount_vnd: int

    @classmethod
    def of_any(cls, fee: Fee | None) -> FeeView | None:
        if fee is None:
            return None
        return cls(fee.amount_vnd, fee.status, fee.invoice_number, fee.paid_amount_vnd)

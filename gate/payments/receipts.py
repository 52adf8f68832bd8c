"""What a fee's receipt (biên lai) shows, read in one place for the console, the portal and the
API: the fee as charged (invoice number, direction, vehicle type, load class, amount), the
schedule version and the council's decision it was charged by, the gate, the truck, and the
money received for it (each payment's receipt or transaction number, provider, amount, time)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from gate.domain.errors import NotFound
from gate.domain.fees import typed_invoice_number
from gate.store.tables import Booking, Gate
from gate.store.tables.fees import Fee, FeePayment, FeeSchedule
from gate.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class FeeReceipt:
    """A fee with everything its receipt prints; ``payments``: the money counted towards it,
    oldest first (one for a fee paid at once)."""

    fee: Fee
    gate: Gate
    schedule: FeeSchedule
    booking: Booking
    payments: Sequence[FeePayment]

    @property
    def paid(self) -> bool:
        """Whether the whole fee was received (the receipt then says "paid")."""
        return self.fee.paid_amount_vnd >= self.fee.amount_vnd and bool(self.payments)


async def fee_by_invoice(uow: UnitOfWork, invoice_number: str) -> Fee | None:
    """The fee of ``invoice_number`` as typed (gate.domain.fees.typed_invoice_number);
    None: none."""
    typed = typed_invoice_number(invoice_number)
    return await uow.session.scalar(select(Fee).where(Fee.invoice_number == typed))


async def receipt_of(uow: UnitOfWork, fee: Fee) -> FeeReceipt:
    """The receipt of ``fee``. NotFound while no money was received for it (nothing to give
    a receipt for): the caller decided first who may read it (the gate's officers, the
    booking's enterprise)."""
    payments = list(
        await uow.session.scalars(
            select(FeePayment)
            .where(FeePayment.fee_id == fee.id)
            .order_by(FeePayment.received_at, FeePayment.id)
        )
    )
    if not payments:
        raise NotFound(f"no money was received for {fee.invoice_number} yet", why="fee-no-receipt")
    gate = await uow.session.get(Gate, fee.gate_id)
    schedule = await uow.session.get(FeeSchedule, fee.schedule_id)
    booking = await uow.session.get(Booking, fee.booking_id)
    assert gate is not None and schedule is not None and booking is not None
    return FeeReceipt(fee, gate, schedule, booking, payments)

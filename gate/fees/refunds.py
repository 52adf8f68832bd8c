"""What a cancellation does to the crossing's fee: refunded in full when in time, void when
not yet paid, kept when late (gate/domain/fees.py::refund_on_cancel, the documented rule)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from gate.domain.events import Actor
from gate.domain.fee_events import FeeRefundDue, FeeVoided
from gate.domain.fees import FeeStatus, RefundRule, deadline_after_move, refund_on_cancel
from gate.domain.payments import PayoutDue
from gate.fees.events import fee_event
from gate.store.tables import Booking, Gate
from gate.store.tables.fees import Fee, FeeRefund
from gate.store.unit_of_work import UnitOfWork


async def fee_of(uow: UnitOfWork, booking_id: str, *, lock: bool = False) -> Fee | None:
    """The fee fixed for a booking (None: none was: the gate charged none then, or the booking
    is older than fees); with ``lock`` its row is held to the commit."""
    query = select(Fee).where(Fee.booking_id == booking_id)
    if lock:
        query = query.with_for_update()
    return await uow.session.scalar(query)


async def settle_cancelled(
    uow: UnitOfWork, booking: Booking, gate: Gate, now: datetime, actor: Actor
) -> Fee | None:
    """Settle the fee of ``booking``, cancelled at ``now`` by ``actor`` (an enterprise's own
    cancellation, or the gate's: any other actor). A refund due is a ``fee_refunds`` row
    (status due; its ``refund.payout_due`` is outboxed, and gate/payments/payouts.py sends
    it); audited (``fee.refund_due`` or ``fee.voided``). Nothing happens to a fee already
    settled, nor when the booking has none. The booking stops being held for it."""
    fee = await fee_of(uow, booking.id, lock=True)
    booking.fee_unpaid = False
    if fee is None:
        return None
    settlement = refund_on_cancel(
        FeeStatus(fee.status),
        fee.paid_amount_vnd,
        cancelled_at=now,
        deadline=fee.refund_deadline,
        by_gate=actor.kind != "enterprise",
    )
    if settlement is None or settlement.rule is RefundRule.LATE:
        return fee
    before = fee.status
    fee.status = settlement.status.value
    fee.refund_amount_vnd = settlement.refund_vnd
    fee.settled_at = now
    fee.version += 1
    refund = None
    if settlement.refund_vnd > 0:
        refund = FeeRefund(
            fee_id=fee.id,
            amount_vnd=settlement.refund_vnd,
            rule=settlement.rule.value,
            status="due",
            created_at=now,
        )
        uow.session.add(refund)
    await uow.session.flush()
    if refund is not None:
        uow.record(
            PayoutDue(
                refund_id=refund.id,
                amount_vnd=refund.amount_vnd,
                gate_id=gate.id,
                booking_id=booking.id,
                enterprise_id=fee.enterprise_id,
            )
        )
    settled = FeeRefundDue if settlement.refund_vnd > 0 else FeeVoided
    uow.record(
        fee_event(
            settled,
            fee,
            gate.code,
            actor,
            before=before,
            facts={
                "paid_amount_vnd": fee.paid_amount_vnd,
                "refund_amount_vnd": settlement.refund_vnd,
                "rule": settlement.rule.value,
            },
        )
    )
    return fee


async def move_refund_deadline(
    uow: UnitOfWork, booking: Booking, now: datetime, *, by_gate: bool
) -> None:
    """After ``booking`` moved to its new hour at ``now`` (by its enterprise, or by the
    gate's rebooking): its fee's refund deadline by gate.domain.fees.deadline_after_move.
    Nothing when it has no fee."""
    fee = await fee_of(uow, booking.id)
    if fee is not None:
        fee.refund_deadline = deadline_after_move(
            fee.refund_deadline, booking.slot_start, now, by_gate=by_gate
        )

"""Refunds sent (hoàn tiền): each ``fee_refunds`` row made due is paid out through the provider
that brought the money, as a delivery of the outbox's ``payout`` channel, so that a refund
is sent at least once whatever fails (the outbox's retries) and only after the transaction
that owed it committed.

The expander turns a ``refund.payout_due`` event into one delivery (``{"refund_id"}``); the
sender reads the refund and the payments it gives back, asks the provider to pay them out, and
on its 2xx marks the refund ``sent`` and, once no refund of the fee is left due, the fee
``refunded`` (``fee.refunded``, audited). The provider drops a repeated payout by its id (the
refund's: Standard Webhooks' ``webhook-id``), so a payout retried after a lost answer, or sent
again after the process died before marking it, is paid once.

Only the fake provider pays out (a signed POST to GATE_PAYMENT_FAKE_URL; its body below).
Money brought by another provider (payOS's payouts are a separate API with its own keys) or
taken in cash is not sent: the delivery fails for good with that reason, and the refund stays
due for the treasury to pay by hand. The fake provider's payout body: ``refund_id``,
``amount_vnd``, ``invoice_number`` (None when the money named no fee), ``rule`` (why),
``transactions`` (each ``{"provider", "transaction_id", "amount_vnd"}`` the refund gives back).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from standardwebhooks import Webhook

from gate.config import Settings
from gate.domain.events import Actor
from gate.domain.fee_events import FeeRefunded
from gate.domain.fees import FeeStatus
from gate.domain.payments import PayoutDue
from gate.domain.time import utc_now
from gate.fees.events import fee_event
from gate.outbox.protocols import NewDelivery, Outcome
from gate.store.tables import Delivery, Gate, OutboxEvent
from gate.store.tables.fees import Fee, FeePayment, FeeRefund
from gate.store.unit_of_work import UnitOfWork

CHANNEL = "payout"
PAYS_OUT = "fake"  # the one provider whose payouts the platform sends
CONNECT_TIMEOUT_S = 5.0
TOTAL_TIMEOUT_S = 15.0
# A provider's answers that a later attempt may change; any other 4xx refuses this payout.
_TRANSIENT = frozenset({408, 409, 425, 429})


def payouts_on(settings: Settings) -> bool:
    """Whether refunds are sent: the fake provider's secret and payouts URL are set."""
    return bool(settings.payment_fake_secret and settings.payment_fake_url)


class PayoutExpander:
    """One ``payout`` delivery per refund made due; none while payouts are off (the refund
    stays due)."""

    def __init__(self, settings: Settings) -> None:
        self.on = payouts_on(settings)

    async def expand(self, session: AsyncSession, event: OutboxEvent) -> list[NewDelivery]:
        if not self.on or event.name != PayoutDue.name:
            return []
        refund_id = str(event.payload["refund_id"])
        return [NewDelivery(channel=CHANNEL, payload={"refund_id": refund_id})]


class PayoutSender:
    """Sends one refund's payout; ``new_uow``: a writing unit of work (the refund is marked
    sent in its own short transaction once the provider took it)."""

    def __init__(self, new_uow: Callable[[], UnitOfWork], settings: Settings) -> None:
        assert settings.payment_fake_secret and settings.payment_fake_url
        self._new_uow = new_uow
        self._webhook = Webhook(settings.payment_fake_secret)
        self._url = settings.payment_fake_url

    async def send(self, delivery: Delivery) -> Outcome:
        refund_id = str(delivery.payload.get("refund_id"))
        async with self._new_uow() as uow:
            found = await _payout_of(uow.session, refund_id)
        if isinstance(found, Outcome):
            return found
        now = utc_now()
        text = json.dumps(found, separators=(",", ":"), ensure_ascii=False)
        headers = {
            "webhook-id": refund_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self._webhook.sign(refund_id, now, text),
            "content-type": "application/json",
        }
        timeout = httpx.Timeout(TOTAL_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
        try:
            async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
                answer = await client.post(self._url, content=text.encode(), headers=headers)
        except httpx.HTTPError as error:
            return Outcome.retry(None, f"the provider did not answer: {type(error).__name__}")
        if answer.is_success:
            await self._mark_sent(refund_id, utc_now())
            return Outcome.delivered(answer.status_code)
        if answer.status_code >= 500 or answer.status_code in _TRANSIENT:
            return Outcome.retry(answer.status_code, "the provider did not take the payout")
        return Outcome.permanent(answer.status_code, "the provider refused the payout")

    async def _mark_sent(self, refund_id: str, now: datetime) -> None:
        async with self._new_uow() as uow:
            sent = await uow.session.execute(
                update(FeeRefund)
                .where(FeeRefund.id == refund_id, FeeRefund.status == "due")
                .values(status="sent", sent_at=now)
                .returning(FeeRefund.fee_id)
            )
            row = sent.first()
            if row is not None and row.fee_id is not None:
                await _refunded_if_all_sent(uow, row.fee_id)
            await uow.commit()


async def _payout_of(session: AsyncSession, refund_id: str) -> dict[str, Any] | Outcome:
    """The payout body of refund ``refund_id``, or the outcome when there is none to send."""
    refund = await session.get(FeeRefund, refund_id)
    if refund is None:
        return Outcome.permanent(None, "no such refund")
    if refund.status != "due":
        return Outcome.delivered()  # sent by an attempt whose answer was lost
    query = select(FeePayment).order_by(FeePayment.received_at, FeePayment.id)
    if refund.payment_id is not None:
        query = query.where(FeePayment.id == refund.payment_id)
    else:
        query = query.where(FeePayment.fee_id == refund.fee_id)
    payments = list(await session.scalars(query))
    others = sorted({p.provider for p in payments if p.provider != PAYS_OUT})
    if not payments or others:
        why = ", ".join(others) or "no payment"
        return Outcome.permanent(None, f"not paid out by the platform ({why}): pay it by hand")
    fee = await session.get(Fee, refund.fee_id) if refund.fee_id else None
    return {
        "refund_id": refund.id,
        "amount_vnd": refund.amount_vnd,
        "invoice_number": fee.invoice_number if fee is not None else None,
        "rule": refund.rule,
        "transactions": [
            {"provider": p.provider, "transaction_id": p.transaction_id, "amount_vnd": p.amount_vnd}
            for p in payments
        ],
    }


async def _refunded_if_all_sent(uow: UnitOfWork, fee_id: str) -> None:
    """The fee ``refunded`` (audited) once it is ``refund_due`` and none of its refunds is
    left due; its row locked, so two payouts sent at once mark it once."""
    fee = await uow.session.scalar(select(Fee).where(Fee.id == fee_id).with_for_update())
    if fee is None or fee.status != FeeStatus.REFUND_DUE.value:
        return
    left = await uow.session.scalar(
        select(func.count())
        .select_from(FeeRefund)
        .where(FeeRefund.fee_id == fee_id, FeeRefund.status == "due")
    )
    if left:
        return
    gate = await uow.session.get(Gate, fee.gate_id)
    assert gate is not None
    fee.status = FeeStatus.REFUNDED.value
    fee.version += 1
    uow.record(
        fee_event(
            FeeRefunded,
            fee,
            gate.code,
            Actor("system", PAYS_OUT, "payment-provider"),
            before=FeeStatus.REFUND_DUE.value,
            facts={"refund_amount_vnd": fee.refund_amount_vnd},
        )
    )

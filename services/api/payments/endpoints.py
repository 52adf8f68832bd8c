"""Payment providers' notifications of money received (issue 19). No bearer token: the
provider's signature, checked by its adapter (gate/payments/providers/), is the
authentication; nothing is read or written before it verifies."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from gate.domain.errors import NotFound
from gate.domain.events import Actor
from gate.domain.payments import check_notification
from gate.domain.time import utc_now
from gate.payments.receiving import Received, receive_payment
from gate.store.unit_of_work import UnitOfWork
from services.api.payments.schemas import PaymentRecorded
from services.common.contract import documented
from services.common.schemas import local
from services.platform import Platform

# fee_payments.reference's length.
REFERENCE_KEPT = 200


class PaymentNotificationController(Controller):
    path = "/payments/providers"
    tags = ["payments"]

    @post(
        "/{provider:str}/notifications",
        operation_id="receivePaymentNotification",
        status_code=200,
        **documented(
            "Receive a payment provider's notification",
            problems=["not-found", "bad-signature", "malformed-notification"],
        ),
    )
    async def notify(
        self,
        request: Request[Any, Any, Any],
        provider: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> PaymentRecorded:
        """Money received, as the provider ``provider`` (``fake``, ``payos``; 404 when it is
        not configured) notifies it. No bearer token: the provider's signature of the body is
        the only credential (401 ``bad-signature`` when it does not verify; 422
        ``malformed-notification`` for a body not in its format). Recorded once per provider
        and transaction id: every retry of a notification, concurrent ones included, is
        answered 200 with the same body and changes nothing more. The payment is
        matched to the fee whose invoice number is in the transfer's text; a fee paid in full
        is marked paid. Money that pays no fee (no invoice named, a fee voided or refunded, an
        amount above the fee) is recorded and a refund of it made due."""
        adapter = platform.payment_providers.get(provider)
        if adapter is None:
            raise NotFound(f"no payment provider {provider!r} is configured")
        headers = {name.lower(): value for name, value in request.headers.items()}
        now = utc_now()
        notice = check_notification(adapter.verify(headers, await request.body(), now), now)
        received = Received(
            provider=notice.provider,
            transaction_id=notice.transaction_id,
            amount_vnd=notice.amount_vnd,
            # As the column keeps it: the invoice number is near the start of a bank's text.
            reference=notice.reference[:REFERENCE_KEPT] or None,
            paid_at=notice.paid_at,
        )
        receipt = await receive_payment(
            uow, received, now, Actor("system", notice.provider, "payment-provider")
        )
        return PaymentRecorded(
            provider=receipt.payment.provider,
            transaction_id=receipt.payment.transaction_id,
            amount_vnd=receipt.payment.amount_vnd,
            invoice_number=receipt.fee.invoice_number if receipt.fee is not None else None,
            received_at=local(receipt.payment.received_at),
        )

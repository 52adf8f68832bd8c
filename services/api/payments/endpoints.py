"""Payment providers' notifications of money received (issue 19). No bearer token: the
provider's signature, checked by its adapter (gate/payments/providers/), is the
authentication; nothing is read or written before it verifies."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from gate.domain.errors import NotFound
from gate.domain.time import utc_now
from gate.payments.notifications import record_payment
from gate.store.unit_of_work import UnitOfWork
from services.api.payments.schemas import PaymentRecorded
from services.common.contract import documented
from services.common.schemas import local
from services.platform import Platform


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
        not configured) notifies it, signed as the provider signs (401 ``bad-signature``
        otherwise; 422 ``malformed-notification`` for a body not in its format). Recorded
        once per provider and transaction id: every retry of a notification, concurrent ones
        included, is answered 200 with the same body and changes nothing more. The payment is
        matched to the fee whose invoice number is in the transfer's text; a fee paid in full
        is marked paid. Money that pays no fee (no invoice named, a fee voided or refunded, an
        amount above the fee) is recorded and a refund of it made due."""
        adapter = platform.payment_providers.get(provider)
        if adapter is None:
            raise NotFound(f"no payment provider {provider!r} is configured")
        headers = {name.lower(): value for name, value in request.headers.items()}
        notice = adapter.verify(headers, await request.body(), utc_now())
        payment = await record_payment(uow, notice)
        return PaymentRecorded(
            provider=payment.provider,
            transaction_id=payment.transaction_id,
            amount_vnd=payment.amount_vnd,
            invoice_number=payment.invoice_number,
            received_at=local(payment.received_at),
        )

"""The portal's receipt of a crossing's fee (issue 19): an enterprise prints the receipt
(biên lai) of its own bookings' fees, as the gate's officers do in the console
(services/web/console_cash.py); another enterprise's fee answers the portal's 404 page."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy import select

from gate.accounts.permissions import Action, acting_enterprise
from gate.accounts.principal import EnterpriseUser
from gate.domain.errors import NotFound
from gate.payments.receipts import fee_by_invoice, receipt_of
from gate.store.tables.fees import Fee
from gate.store.unit_of_work import UnitOfWork
from services.platform import Platform
from services.web.fee_pages import receipt_context
from services.web.public import require_browser
from services.web.render import page


async def receipt_link(uow: UnitOfWork, booking_id: str) -> dict[str, Any]:
    """The booking page's link to its fee's receipt: ``receipt_invoice``, the invoice number
    once money was received for the fee (None before, or without a fee)."""
    fee = await uow.session.scalar(select(Fee).where(Fee.booking_id == booking_id))
    received = fee is not None and fee.paid_amount_vnd > 0
    return {"receipt_invoice": fee.invoice_number if received and fee else None}


class PortalReceiptPage(Controller):
    path = "/portal/fees"
    include_in_schema = False

    @get("/{invoice_number:str}/receipt")
    async def receipt(
        self,
        request: Request[Any, Any, Any],
        invoice_number: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """The printable receipt of one of the enterprise's own bookings' fees; 404 for
        another's, or a fee no money was received for yet."""
        who = await require_browser(request, platform, EnterpriseUser, "/portal")
        enterprise_id = acting_enterprise(who, Action.READ_OWN_BOOKINGS)
        fee = await fee_by_invoice(uow, invoice_number)
        try:
            if fee is None or fee.enterprise_id != enterprise_id:
                raise NotFound("no such fee of this enterprise")
            receipt = await receipt_of(uow, fee)
        except NotFound:
            return page(request, "portal/not_found.html", who, status_code=404)
        return page(
            request,
            "fees/receipt.html",
            who,
            back=f"/portal/bookings/{fee.booking_id}",
            **receipt_context(receipt),
        )

"""Cash taken at the gate for a crossing's fee, with a receipt (issue 19), and the receipt read
back: the gate's operators take cash (gate/accounts/permissions.py, "Cash for a crossing's
fee"); any officer of the gate reads a receipt of its fees."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts.permissions import Action, acting_officer, at_gate, require
from gate.domain.errors import NotFound, ValidationFailed
from gate.domain.time import utc_now
from gate.gates.calendar import gate_by_code
from gate.payments.cash import take_cash
from gate.payments.receipts import fee_by_invoice, receipt_of
from gate.store.unit_of_work import UnitOfWork
from services.api.cash.schemas import CashCreate, FeeReceiptView
from services.common.contract import OFFICER, documented
from services.common.dependencies import Caller
from services.common.idempotency import IdempotencyKey, answer_once
from services.platform import Platform


class CashController(Controller):
    path = "/gates/{code:str}/fees/{invoice_number:str}"
    tags = ["fees"]

    @post(
        "/cash",
        operation_id="recordCash",
        status_code=201,
        **documented(
            "Record cash taken for a fee, with a receipt",
            credentials=[OFFICER],
            answer=(201, FeeReceiptView, "The receipt made (a replay: the first answer)"),
            problems=["not-found", "conflict", "idempotency-key-reused"],
        ),
    )
    async def record_cash(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        invoice_number: FromPath[str],
        data: JSONBody[CashCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """The gate's operators record cash taken for the fee of ``invoice_number``: a new
        receipt number (``BL`` + the gate's series + year + sequence), the fee paid once the
        sum reaches it and the truck then called in its turn (the unpaid-fee rule). The
        Idempotency-Key is required: a retry gets the first receipt, never a second one.
        Refused with 409 (``conflict``) for a fee that is not owed (paid, void, refunded),
        422 for more than is still owed, 404 for no such fee at this gate."""
        gate = await gate_by_code(uow, code)
        officer = acting_officer(principal, Action.RECORD_CASH, gate.id)
        if idempotency_key is None:
            raise ValidationFailed(
                "send an Idempotency-Key: a retried request must not take the cash twice",
                why="idempotency-key-required",
            )

        async def take() -> tuple[int, FeeReceiptView]:
            taken = await take_cash(
                uow,
                gate,
                invoice_number,
                data.amount_vnd,
                officer.officer_id,
                officer.actor,
                utc_now(),
            )
            receipt = await receipt_of(uow, taken.fee)
            return 201, FeeReceiptView.of(receipt, taken.receipt_number)

        return await answer_once(
            request,
            data,
            take,
            uow=uow,
            owner=officer.officer_id,
            key=idempotency_key,
            settings=platform.settings,
        )

    @get(
        "/receipt",
        operation_id="getFeeReceipt",
        **documented("Read a fee's receipt", credentials=[OFFICER], problems=["not-found"]),
    )
    async def get_receipt(
        self,
        code: FromPath[str],
        invoice_number: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> FeeReceiptView:
        """The receipt of a fee of this gate (any officer at the gate): 404 while no money
        was received for it."""
        gate = await gate_by_code(uow, code)
        require(principal, Action.READ_YARD, at_gate(gate.id))
        fee = await fee_by_invoice(uow, invoice_number)
        if fee is None or fee.gate_id != gate.id:
            raise NotFound(f"no fee with invoice number {invoice_number} at {gate.code}")
        return FeeReceiptView.of(await receipt_of(uow, fee))

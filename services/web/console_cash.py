"""The console's part of the unpaid-fee rule and officers' cash (issue 19): each shown truck's
fee (the queue marks an unpaid one as held, its details offer the gate's operators a "record
cash" form with the amount owed filled in and a box confirming the cash was taken), the cash
recorded once per drawn form (services/web/form_once.py: a double click or a reload makes
one receipt), and the printable receipt (biên lai) of a fee of the gate.

The portal's receipt (an enterprise's own bookings) is services/web/portal_receipt.py; both
draw frontend/templates/fees/receipt.html from services/web/fee_pages.py."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts.permissions import Action
from gate.domain.errors import Conflict, DomainError, NotFound, ValidationFailed
from gate.domain.time import utc_now
from gate.payments.cash import take_cash
from gate.payments.receipts import fee_by_invoice, receipt_of
from gate.store.unit_of_work import UnitOfWork
from services.api.cash.schemas import CashCreate
from services.platform import Platform
from services.web.booking_words import problem_words
from services.web.console import here_of, officer_at_gate
from services.web.fee_pages import receipt_context
from services.web.form_once import FORM_KEY, post_once
from services.web.forms import decode_form
from services.web.i18n import Translator
from services.web.render import back_to, page, translator


class ConsoleCashController(Controller):
    path = "/console"
    include_in_schema = False

    @post("/{code:str}/fees/{invoice_number:str}/cash")
    async def record_cash(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        invoice_number: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        """Record cash taken for the fee (the gate's operators; the API's recordCash), once
        per drawn form; then the receipt, or back to the yard with the refusal in the
        page's words. The form's ``confirm`` box must be ticked: cash is recorded only when
        the officer says it was taken."""
        who, gate = await officer_at_gate(request, platform, uow, code, Action.RECORD_CASH)
        here = here_of(code, data)
        t = translator(request)
        try:
            form = decode_form(
                data,
                CashCreate,
                amount_vnd=_whole_dong(data.get("amount_vnd")),
            )
            if data.get("confirm") != "true":
                raise ValidationFailed(
                    "tick the box: the cash was taken", why="cash-unconfirmed", field="confirm"
                )
        except DomainError as error:
            return back_to(here, error=error)

        async def take() -> tuple[int, dict[str, Any]]:
            taken = await take_cash(
                uow,
                gate,
                invoice_number,
                form.amount_vnd,
                who.officer_id,
                who.actor,
                utc_now(),
            )
            return 201, {"receipt_number": taken.receipt_number}

        # The form's own fields name the request; the yard's search does not.
        sent = {k: v for k, v in data.items() if k in {FORM_KEY, "amount_vnd", "confirm"}}
        answer = await post_once(request, uow, platform, who.officer_id, sent, take)
        if answer.refused:
            return back_to(here, error=_refusal(answer.body, t))
        return Redirect(path=f"/console/{gate.code}/fees/{invoice_number}/receipt", status_code=303)

    @get("/{code:str}/fees/{invoice_number:str}/receipt")
    async def receipt(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        invoice_number: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """The printable receipt of a fee of this gate (any officer of the gate); 404 for
        another gate's fee, or one no money was received for yet."""
        who, gate = await officer_at_gate(request, platform, uow, code, Action.READ_YARD)
        fee = await fee_by_invoice(uow, invoice_number)
        if fee is None or fee.gate_id != gate.id:
            raise NotFound(f"no fee with invoice number {invoice_number} at {gate.code}")
        receipt = await receipt_of(uow, fee)
        return page(
            request,
            "fees/receipt.html",
            who,
            back=f"/console/{gate.code}?direction={fee.direction}",
            **receipt_context(receipt),
        )


def _refusal(problem: dict[str, Any], t: Translator) -> str | DomainError:
    """A stored refusal of ``take_cash`` with its reason: the stored problem keeps its type
    and field but not the finer ``why`` the page words it by, and both of take_cash's own
    refusals are told apart by them (services/web/page_words.py's ``why_`` keys)."""
    code = str(problem.get("type", "")).rsplit("/", 1)[-1]
    if code == "conflict":
        return Conflict("nothing is owed", why="fee-not-owed")
    if code == "validation" and problem.get("field") == "amount_vnd":
        return ValidationFailed("more than is owed", why="cash-more-than-owed", field="amount_vnd")
    return problem_words(problem, t)


def _whole_dong(text: str | None) -> int | str | None:
    """The form's amount as the number it is meant to be: digits with the grouping a person
    types (``1.500.000``, ``1,500,000``, spaces) read as whole dong; anything else is passed
    on as it is, for the type to refuse in the page's words."""
    if text is None:
        return None
    digits = "".join(ch for ch in text.strip() if ch not in ".,  ")
    return int(digits) if digits.isascii() and digits.isdecimal() else text

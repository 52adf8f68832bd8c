"""Monthly agreements and statements (issue 19): the administrator makes and ends an
enterprise's agreement, issues a month's statements and records the transfer that pays one;
the administrator and the enterprise's users and keys read them. A provider's notification
whose reference is a statement's number pays it too (gate/payments/receiving.py)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts.permissions import Action, allowed, of_enterprise, require
from gate.domain.errors import Conflict, NotFound, ValidationFailed
from gate.domain.payments import paid_lately
from gate.domain.time import utc_now
from gate.fees import agreements, statements
from gate.payments.receiving import Received, receive_payment
from gate.store.tables.statements import FeeStatement
from gate.store.unit_of_work import UnitOfWork
from services.api.statements.schemas import (
    AgreementCreate,
    AgreementView,
    StatementDetail,
    StatementIssue,
    StatementLineView,
    StatementTransfer,
    StatementView,
)
from services.common.contract import ADMIN, ENTERPRISE, documented
from services.common.dependencies import Caller
from services.common.idempotency import IdempotencyKey, answer_once
from services.platform import Platform

READERS = [ADMIN, ENTERPRISE]
# The provider name of a transfer the administrator records by hand (fee_payments.provider).
TRANSFER = "transfer"


class AgreementController(Controller):
    path = "/enterprises/{enterprise_id:str}/statement-agreements"
    tags = ["statements"]

    @post(
        operation_id="makeStatementAgreement",
        **documented(
            "Make a monthly agreement",
            credentials=[ADMIN],
            answer=(201, AgreementView, "The agreement (a replay: as first answered)"),
            problems=["not-found", "conflict", "idempotency-key-reused"],
        ),
    )
    async def make(
        self,
        request: Request[Any, Any, Any],
        enterprise_id: FromPath[str],
        data: JSONBody[AgreementCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[bytes]:
        """From ``valid_from`` to ``valid_until`` (local days, included; null: open-ended)
        the enterprise's bookings have their fees fixed on its monthly statement: the truck
        is not held for the fee. 404 for an unknown enterprise; 409 for days another of its
        agreements covers (``statement-agreement-overlap``); 422 for a start before today
        (``statement-agreement-past``) or an end before the start. Idempotent with an
        ``Idempotency-Key`` (the administrator's)."""
        require(principal, Action.MANAGE_STATEMENTS, of_enterprise(enterprise_id))

        async def produce() -> tuple[int, AgreementView]:
            made = await agreements.make_agreement(
                uow,
                enterprise_id,
                valid_from=data.valid_from,
                valid_until=data.valid_until,
                reference=data.reference,
                now=utc_now(),
                actor=principal.actor,
            )
            return 201, AgreementView.of(made)

        return await answer_once(
            request,
            data,
            produce,
            uow=uow,
            owner="admin",
            key=idempotency_key,
            settings=platform.settings,
        )

    @get(
        operation_id="listStatementAgreements",
        **documented("An enterprise's monthly agreements", credentials=READERS),
    )
    async def list_agreements(
        self, enterprise_id: FromPath[str], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> list[AgreementView]:
        """The enterprise's agreements, the latest first (the administrator, and the
        enterprise's own users and keys)."""
        require(principal, Action.READ_STATEMENTS, of_enterprise(enterprise_id))
        return [AgreementView.of(a) for a in await agreements.agreements_of(uow, enterprise_id)]


class AgreementEndController(Controller):
    path = "/statement-agreements"
    tags = ["statements"]

    @post(
        "/{agreement_id:str}/end",
        operation_id="endStatementAgreement",
        status_code=200,
        **documented("End a monthly agreement early", credentials=[ADMIN], problems=["not-found"]),
    )
    async def end(
        self, agreement_id: FromPath[str], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> AgreementView:
        """End the agreement now: bookings made from now on pay each fee; fees fixed before
        stay on statement. Ending it again changes nothing."""
        require(principal, Action.MANAGE_STATEMENTS)
        return AgreementView.of(
            await agreements.end_agreement(uow, agreement_id, utc_now(), principal.actor)
        )


async def _readable(
    uow: UnitOfWork, number: str, principal: Caller, action: Action = Action.READ_STATEMENTS
) -> FeeStatement:
    """The statement ``number`` when the caller may take ``action`` on it: 403 for a caller
    who may take it on no statement; NotFound for an unknown number, and for another
    enterprise's (whose existence is not told)."""
    require(principal, action)
    statement = await statements.statement_by_number(uow, number)
    if statement is None or not allowed(principal, action, of_enterprise(statement.enterprise_id)):
        raise NotFound("no such statement")
    return statement


class StatementController(Controller):
    path = "/statements"
    tags = ["statements"]

    @post(
        "/issue",
        operation_id="issueStatements",
        status_code=200,
        **documented("Issue a month's statements", credentials=[ADMIN]),
    )
    async def issue(
        self, data: JSONBody[StatementIssue], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> list[StatementView]:
        """Issue the ``month``'s statements now rather than at the sweep's next round: the
        statements issued by this call (none when they were issued already: idempotent).
        422 (``statement-month-not-ended``) for a month not over."""
        require(principal, Action.MANAGE_STATEMENTS)
        issued = await statements.issue_month(uow, data.first_day(), utc_now(), principal.actor)
        return [StatementView.of(s) for s in issued]

    @get(
        "/{number:str}",
        operation_id="getStatement",
        **documented("Read a statement", credentials=READERS, problems=["not-found"]),
    )
    async def read(
        self, number: FromPath[str], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> StatementDetail:
        """The statement with each crossing on it (the administrator, and the enterprise's
        own users and keys; 404 for another's)."""
        statement = await _readable(uow, number, principal)
        lines = await statements.statement_lines(uow, statement.id)
        return StatementDetail(
            StatementView.of(statement), [StatementLineView.of(x) for x in lines]
        )

    @post(
        "/{number:str}/transfers",
        operation_id="recordStatementTransfer",
        status_code=200,
        **documented(
            "Record a transfer paying a statement",
            credentials=[ADMIN],
            problems=["not-found", "conflict"],
        ),
    )
    async def record_transfer(
        self,
        number: FromPath[str],
        data: JSONBody[StatementTransfer],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> StatementView:
        """A transfer the administrator saw on the account, recorded as every payment is
        (gate/payments/receiving.py): once per ``transaction_id`` (the same one again
        changes nothing); the statement is paid, and its fees, when the sum reaches its
        total; a surplus is owed back."""
        statement = await _readable(uow, number, principal, Action.MANAGE_STATEMENTS)
        now = utc_now()
        if data.paid_at is not None and not paid_lately(data.paid_at, now):
            # As for a provider's notification: the statistics count money on its day.
            raise ValidationFailed(
                "paid_at is not a time a transfer was just made",
                why="paid-at-not-recent",
                field="paid_at",
            )
        receipt = await receive_payment(
            uow,
            Received(
                TRANSFER,
                data.transaction_id,
                data.amount_vnd,
                statement.number,
                data.paid_at or now,
            ),
            now,
            principal.actor,
        )
        paid = receipt.statement
        if paid is None or paid.id != statement.id:
            # The same transaction id was recorded before for something else.
            raise Conflict(
                "this transaction was recorded for something else",
                why="statement-transfer-elsewhere",
            )
        await uow.session.refresh(paid)
        return StatementView.of(paid)


class EnterpriseStatementController(Controller):
    path = "/enterprises/{enterprise_id:str}/statements"
    tags = ["statements"]

    @get(
        operation_id="listStatements",
        **documented("An enterprise's monthly statements", credentials=READERS),
    )
    async def list_statements(
        self, enterprise_id: FromPath[str], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> list[StatementView]:
        """The enterprise's statements, the latest month first."""
        require(principal, Action.READ_STATEMENTS, of_enterprise(enterprise_id))
        return [StatementView.of(s) for s in await statements.statements_of(uow, enterprise_id)]

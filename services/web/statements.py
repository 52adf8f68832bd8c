"""Monthly statements on the pages (issue 19): the portal's list of the enterprise's
agreements and statements, and a statement to print (bảng kê: each crossing with its date,
invoice number, gate, direction, vehicle type, load class and amount, the total, and the
transfer's reference, the statement's number, with its VietQR code while it is due). The
administrator prints any statement with its token (``/statements/{number}``), the page the
portal shows its own enterprise. The same use cases as the API (services/api/statements/)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from gate.accounts.permissions import Action, acting_enterprise, allowed, of_enterprise, require
from gate.accounts.principal import EnterpriseUser, Principal
from gate.config import Settings
from gate.domain.errors import NotFound
from gate.domain.statements import last_day
from gate.fees import agreements, statements
from gate.store.tables.statements import FeeStatement
from gate.store.unit_of_work import UnitOfWork
from services.common.dependencies import Caller
from services.platform import Platform
from services.web.locale_format import vnd
from services.web.pay_code import statement_pay_code
from services.web.public import require_browser
from services.web.render import page, translator

TEMPLATE = "portal/statement.html"


async def _statement_page(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    statement: FeeStatement,
    principal: Principal | None,
    settings: Settings,
    *,
    portal: bool,
) -> Template:
    language = translator(request).language
    lines = await statements.statement_lines(uow, statement.id)
    return page(
        request,
        TEMPLATE,
        principal,
        statement=statement,
        lines=lines,
        portal=portal,
        # The VietQR code for the statement's total, its number the reference, while due.
        pay=statement_pay_code(settings, statement),
        vnd=lambda amount: vnd(amount, language),
    )


class StatementPages(Controller):
    include_in_schema = False

    async def _member(
        self, request: Request[Any, Any, Any], platform: Platform
    ) -> tuple[EnterpriseUser, str]:
        who = await require_browser(request, platform, EnterpriseUser, "/portal/statements")
        return who, acting_enterprise(who, Action.READ_STATEMENTS)

    @get("/portal/statements")
    async def list_page(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """The enterprise's agreements (contract number, first and last day, ended early)
        and its statements, the latest first."""
        who, enterprise_id = await self._member(request, platform)
        language = translator(request).language
        own = await agreements.agreements_of(uow, enterprise_id)
        return page(
            request,
            "portal/statements.html",
            who,
            agreements=[{"row": a, "last_day": last_day(a.valid_until, a.ended_at)} for a in own],
            statements=await statements.statements_of(uow, enterprise_id),
            vnd=lambda amount: vnd(amount, language),
        )

    @get("/portal/statements/{number:str}")
    async def portal_statement(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        """One of the enterprise's statements, to print; 404 for another's."""
        who, enterprise_id = await self._member(request, platform)
        statement = await statements.statement_by_number(uow, number, enterprise_id)
        if statement is None:
            raise NotFound("no such statement")
        return await _statement_page(request, uow, statement, who, platform.settings, portal=True)

    @get("/statements/{number:str}")
    async def any_statement(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        principal: Caller,
    ) -> Template:
        """A statement to print for a caller with a token (the administrator's, or the
        enterprise's own key); 404 for another enterprise's."""
        require(principal, Action.READ_STATEMENTS)
        statement = await statements.statement_by_number(uow, number)
        if statement is None or not allowed(
            principal, Action.READ_STATEMENTS, of_enterprise(statement.enterprise_id)
        ):
            raise NotFound("no such statement")
        settings = platform.settings
        return await _statement_page(request, uow, statement, None, settings, portal=False)

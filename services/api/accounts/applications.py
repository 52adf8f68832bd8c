"""The administration's queue of enterprises that signed up in the portal: list them by
status, approve one (its contact is mailed an invitation to become its manager) or reject
it with a reason (mailed to the contact). Administrator only; the rules are
gate/domain/accounts.py's, the use cases gate/accounts/signup.py's."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from gate.accounts import signup
from gate.accounts.permissions import Action, require
from gate.domain.accounts import EnterpriseStatus
from gate.store.unit_of_work import UnitOfWork
from services.api.accounts.schemas import ApplicationView, Rejection
from services.common.contract import ADMIN, documented
from services.common.dependencies import Caller


class ApplicationController(Controller):
    path = "/enterprise-applications"
    tags = ["enterprises"]

    @get(
        operation_id="listApplications",
        **documented("List the enterprises that signed up", credentials=[ADMIN]),
    )
    async def list_applications(
        self,
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        status: Annotated[
            EnterpriseStatus,
            QueryParameter(description="pending (the default), approved or rejected"),
        ] = EnterpriseStatus.PENDING,
    ) -> list[ApplicationView]:
        """The enterprises in ``status``, oldest first: the pending ones are the queue."""
        require(principal, Action.MANAGE_ENTERPRISES)
        return [ApplicationView.of(e) for e in await signup.list_by_status(uow, status)]

    @post(
        "/{enterprise_id:str}/approve",
        operation_id="approveApplication",
        status_code=200,
        **documented(
            "Approve an enterprise",
            credentials=[ADMIN],
            problems=["not-found", "invalid-transition", "conflict"],
        ),
    )
    async def approve(
        self, enterprise_id: FromPath[str], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> ApplicationView:
        """Approve a pending enterprise: its contact is mailed a one-time link to choose a
        password and become its manager (valid for a week). 409 when it was decided
        already."""
        require(principal, Action.MANAGE_ENTERPRISES)
        decided = await signup.decide_application(uow, enterprise_id, True, None, principal.actor)
        return ApplicationView.of(decided)

    @post(
        "/{enterprise_id:str}/reject",
        operation_id="rejectApplication",
        status_code=200,
        **documented(
            "Reject an enterprise",
            credentials=[ADMIN],
            problems=["not-found", "invalid-transition"],
        ),
    )
    async def reject(
        self,
        enterprise_id: FromPath[str],
        data: JSONBody[Rejection],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> ApplicationView:
        """Reject a pending enterprise with a reason, which its contact is mailed. 409 when
        it was decided already."""
        require(principal, Action.MANAGE_ENTERPRISES)
        decided = await signup.decide_application(
            uow, enterprise_id, False, data.reason, principal.actor
        )
        return ApplicationView.of(decided)

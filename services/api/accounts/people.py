"""An enterprise's people through the API, as on the portal's users page: invitations (the
invitee is mailed a one-time link and chooses their own password) and roles. Managers and
the administrator; the use cases are gate/accounts/people.py's."""

from __future__ import annotations

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts import people
from gate.accounts.permissions import Action, of_enterprise, require
from gate.store.unit_of_work import UnitOfWork
from services.api.accounts.schemas import InvitationCreate, InvitationView, RoleChange, UserView
from services.common.contract import MANAGER, documented
from services.common.dependencies import Caller


class PeopleController(Controller):
    path = "/enterprises/{enterprise_id:str}"
    tags = ["enterprises"]

    @post(
        "/invitations",
        operation_id="inviteUser",
        **documented(
            "Invite someone to the enterprise",
            credentials=[MANAGER],
            problems=["not-found", "already-exists", "conflict"],
        ),
    )
    async def invite(
        self,
        enterprise_id: FromPath[str],
        data: JSONBody[InvitationCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> InvitationView:
        """Mail ``email`` a one-time link (valid for a week) to join with ``role``; an
        earlier invitation to the address stops working. 409 when the enterprise has a user
        with that e-mail. An address held elsewhere is invited like any other: only its
        owner learns, on accepting, that it has an account."""
        require(principal, Action.MANAGE_USERS, of_enterprise(enterprise_id))
        link = await people.invite(
            uow, enterprise_id, data.email, data.role, data.language, principal.actor
        )
        return InvitationView.of(link)

    @get(
        "/invitations",
        operation_id="listInvitations",
        **documented("List the invitations not yet accepted", credentials=[MANAGER]),
    )
    async def list_invitations(
        self, enterprise_id: FromPath[str], uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> list[InvitationView]:
        """The enterprise's invitations still waiting, newest first."""
        require(principal, Action.MANAGE_USERS, of_enterprise(enterprise_id))
        return [InvitationView.of(i) for i in await people.open_invitations(uow, enterprise_id)]

    @delete(
        "/invitations/{invitation_id:str}",
        operation_id="withdrawInvitation",
        **documented("Withdraw an invitation", credentials=[MANAGER], problems=["not-found"]),
    )
    async def withdraw(
        self,
        enterprise_id: FromPath[str],
        invitation_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> None:
        """Its link stops working at once."""
        require(principal, Action.MANAGE_USERS, of_enterprise(enterprise_id))
        await people.withdraw_invitation(uow, enterprise_id, invitation_id)

    @put(
        "/users/{user_id:str}/role",
        operation_id="changeUserRole",
        **documented(
            "Change a user's role", credentials=[MANAGER], problems=["not-found", "conflict"]
        ),
    )
    async def change_role(
        self,
        enterprise_id: FromPath[str],
        user_id: FromPath[str],
        data: JSONBody[RoleChange],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> UserView:
        """``manager`` or ``clerk`` (audited in the enterprise's chain). 409 for a disabled
        user, or the enterprise's last active manager made a clerk."""
        require(principal, Action.MANAGE_USERS, of_enterprise(enterprise_id))
        changed = await people.change_role(uow, enterprise_id, user_id, data.role, principal.actor)
        return UserView.of(changed)

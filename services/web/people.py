"""The portal's users page (managers only, as the API's user routes): the enterprise's
people with their roles, an invitation by e-mail (the invitee accepts from the mail and
chooses their own password), changing a role, disabling someone, withdrawing an invitation
not yet accepted. A clerk is refused by the rule book (403 page). Forms post, redirect, get;
a refusal comes back with its reason in the page's language. A refused invitation is
answered with the page itself (422, or 409 for someone already there), its address and role
as typed (issue 16: nothing typed is lost, and no address travels in the URL). The use cases:
gate/accounts/people.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts import people
from gate.accounts import service as accounts
from gate.accounts.permissions import Action, acting_enterprise
from gate.accounts.principal import EnterpriseRole, EnterpriseUser
from gate.domain.errors import AlreadyExists, DomainError, NotFound
from gate.domain.time import as_local
from gate.store.unit_of_work import UnitOfWork
from services.platform import Platform
from services.web.accounts import EMAIL
from services.web.public import require_browser
from services.web.render import back_to, page, translator

HERE = "/portal/users"
ROLES = [role.value for role in EnterpriseRole]


def _reason(error: DomainError) -> str:
    """The catalogue key of a refusal the page shows."""
    if isinstance(error, AlreadyExists):
        return "acct_err_user_exists"
    if isinstance(error, NotFound):
        return "acct_err_no_such_user"
    if error.why == "last-manager":
        return "acct_err_last_manager"
    return "acct_err_user_disabled"


class PeoplePages(Controller):
    path = HERE
    include_in_schema = False

    async def _manager(
        self, request: Request[Any, Any, Any], platform: Platform
    ) -> tuple[EnterpriseUser, str]:
        who = await require_browser(request, platform, EnterpriseUser, HERE)
        return who, acting_enterprise(who, Action.MANAGE_USERS)

    async def _run(
        self, request: Request[Any, Any, Any], uow: UnitOfWork, act: Any, done: str
    ) -> Redirect:
        """``act()`` in a savepoint; back to the page with ``done`` or the refusal, in the
        page's language."""
        try:
            async with uow.savepoint():
                await act()
        except DomainError as error:
            return back_to(HERE, error=_reason(error))
        return back_to(HERE, message=done)

    @get("/")
    async def users_page(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        who, enterprise_id = await self._manager(request, platform)
        return await users_view(request, uow, who, enterprise_id)

    @post("/invitations")
    async def invite(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect | Template:
        """Invite someone by e-mail with a role; refused, the page again as typed."""
        who, enterprise_id = await self._manager(request, platform)
        t = translator(request)
        email = data.get("email", "").strip()
        wrong = None
        if len(email) > 254 or not EMAIL.fullmatch(email):
            wrong = "acct_err_email"
        elif data.get("role") not in ROLES:
            wrong = "acct_err_role"
        if wrong is not None:
            return await users_view(request, uow, who, enterprise_id, data, wrong, 422)
        role = EnterpriseRole(data["role"])
        try:
            async with uow.savepoint():
                await people.invite(uow, enterprise_id, email, role, t.language, who.actor)
        except DomainError as error:
            status = 409 if isinstance(error, AlreadyExists) else 422
            return await users_view(request, uow, who, enterprise_id, data, _reason(error), status)
        return back_to(HERE, message="acct_invitation_sent")

    @post("/invitations/{link_id:str}/withdraw")
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        link_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Redirect:
        _, enterprise_id = await self._manager(request, platform)

        async def act() -> None:
            await people.withdraw_invitation(uow, enterprise_id, link_id)

        return await self._run(request, uow, act, "acct_invitation_withdrawn")

    @post("/{user_id:str}/role")
    async def change_role(
        self,
        request: Request[Any, Any, Any],
        user_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Redirect:
        who, enterprise_id = await self._manager(request, platform)
        if data.get("role") not in ROLES:
            return back_to(HERE, error="acct_err_role")
        role = EnterpriseRole(data["role"])

        async def act() -> None:
            await people.change_role(uow, enterprise_id, user_id, role, who.actor)

        return await self._run(request, uow, act, "acct_role_changed")

    @post("/{user_id:str}/disable")
    async def disable(
        self,
        request: Request[Any, Any, Any],
        user_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Redirect:
        who, enterprise_id = await self._manager(request, platform)

        async def act() -> None:
            await people.disable(uow, enterprise_id, user_id, who.actor)

        return await self._run(request, uow, act, "acct_user_disabled")


async def users_view(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    who: EnterpriseUser,
    enterprise_id: str,
    sent: Mapping[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Template:
    """The users page; the invitation form holding ``sent`` (a refused post's), with
    ``error``, a catalogue key (``acct_err_*``), said above it in the page's language."""
    users = await accounts.list_users(uow, enterprise_id)
    invitations = await people.open_invitations(uow, enterprise_id)
    extra: dict[str, Any] = {"error": translator(request)(error)} if error else {}
    return page(
        request,
        "portal/users.html",
        who,
        status_code=status_code,
        users=users,
        invitations=[{"row": i, "expires": as_local(i.expires_at)} for i in invitations],
        roles=ROLES,
        me=who.user_id,
        sent=dict(sent or {}),
        **extra,
    )

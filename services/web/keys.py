"""The portal's API keys page (managers only): the enterprise's keys with their scopes, a new
key of the scope the manager chooses (its token shown on that one answer, never again), and
revoking one. The same service as ``POST /api/v1/enterprises/{id}/api-keys``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from gate.accounts import service as accounts
from gate.accounts.permissions import Action, acting_enterprise
from gate.accounts.principal import EnterpriseUser, KeyScope
from gate.domain.errors import DomainError, ValidationFailed
from gate.domain.time import as_local
from gate.store.unit_of_work import UnitOfWork
from services.platform import Platform
from services.web.public import require_browser
from services.web.render import back_to, page, refused

MAX_NAME = 100  # as the API's ShortText and the column


class KeysController(Controller):
    path = "/portal/keys"
    include_in_schema = False

    async def _manager(
        self, request: Request[Any, Any, Any], platform: Platform
    ) -> tuple[EnterpriseUser, str]:
        """The signed-in manager and their enterprise; a clerk is refused (Forbidden, 403) by
        the rule book, as on the API."""
        who = await require_browser(request, platform, EnterpriseUser, "/portal/keys")
        return who, acting_enterprise(who, Action.MANAGE_KEYS)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        uow: UnitOfWork,
        who: EnterpriseUser,
        enterprise_id: str,
        issued: dict[str, str] | None = None,
        sent: dict[str, str] | None = None,
        error: DomainError | None = None,
    ) -> Template:
        """The keys page; after ``issue``, the key ``issued`` shown once; after a refused
        one, its form as typed (``sent``) with why in the page's language (issue 16)."""
        words, status = refused(request, error) if error else (None, 200)
        extra: dict[str, Any] = {"error": words} if words else {}
        keys = await accounts.list_api_keys(uow, enterprise_id)
        rows = [
            {"row": k, "created": as_local(k.created_at), "revoked": k.revoked_at is not None}
            for k in keys
        ]
        scopes = [s.value for s in KeyScope]
        return page(
            request,
            "portal/keys.html",
            who,
            status_code=status,
            keys=rows,
            scopes=scopes,
            issued=issued,
            sent=sent or {},
            **extra,
        )

    @get("/")
    async def keys_page(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Template:
        who, enterprise_id = await self._manager(request, platform)
        return await self._page(request, uow, who, enterprise_id)

    @post("/", status_code=200)
    async def issue(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
        data: URLEncodedBody[dict[str, str]],
    ) -> Template | Redirect:
        """Answered with the page itself, not a redirect: the token must not travel in a URL
        (history, logs), and this answer (no-store) is the only place it is ever shown."""
        who, enterprise_id = await self._manager(request, platform)
        name = data.get("name", "").strip()
        wrong = None
        if data.get("scope") not in {s.value for s in KeyScope}:
            wrong = ValidationFailed(why="required", field="scope")
        elif not name or len(name) > MAX_NAME:
            wrong = ValidationFailed(why="wrong-length", field="name")
        if wrong is not None:
            return await self._page(request, uow, who, enterprise_id, sent=data, error=wrong)
        scope = KeyScope(data["scope"])
        key, token = await accounts.issue_api_key(uow, enterprise_id, name, scope, who.actor)
        issued = {"name": key.name, "scope": scope.value, "token": token}
        return await self._page(request, uow, who, enterprise_id, issued=issued)

    @post("/{key_id:str}/revoke")
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        key_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> Redirect:
        who, enterprise_id = await self._manager(request, platform)
        try:
            async with uow.savepoint():
                key = await accounts.revoke_api_key(uow, enterprise_id, key_id, who.actor)
        except DomainError as error:
            return back_to("/portal/keys", error=error)
        # Committed before this process forgets the key, as the API's revocation does.
        await uow.commit()
        platform.api_keys.forget(key_id)
        return back_to("/portal/keys", message=key.name)

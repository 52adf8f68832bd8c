"""Enterprises, API keys, users and sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts import service
from gate.accounts.principal import Principal
from gate.store.unit_of_work import UnitOfWork
from services.api.accounts.schemas import (
    ApiKeyCreate,
    ApiKeyView,
    EnterpriseCreate,
    EnterpriseView,
    IssuedApiKey,
    Me,
    SessionView,
    SignIn,
    UserCreate,
    UserView,
)
from services.api.throttle import client_address, throttled_sign_in
from services.common.dependencies import bearer_token
from services.common.schemas import local
from services.platform import Platform


class EnterpriseController(Controller):
    path = "/enterprises"
    tags = ["enterprises"]

    @post(operation_id="createEnterprise")
    async def create_enterprise(
        self,
        data: JSONBody[EnterpriseCreate],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
    ) -> EnterpriseView:
        """Register an enterprise (administrator)."""
        principal.require_admin()
        new = service.NewEnterprise(data.name, data.tax_code, data.is_aeo, data.contact_email)
        return EnterpriseView.of(await service.create_enterprise(uow, new))

    @get(operation_id="listEnterprises")
    async def list_enterprises(
        self, uow: NamedDependency[UnitOfWork], principal: NamedDependency[Principal]
    ) -> list[EnterpriseView]:
        principal.require_admin()
        return [EnterpriseView.of(e) for e in await service.list_enterprises(uow)]

    @get("/{enterprise_id:str}", operation_id="getEnterprise")
    async def get_enterprise(
        self,
        enterprise_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
    ) -> EnterpriseView:
        principal.require_manager_of(enterprise_id)
        return EnterpriseView.of(await service.get_enterprise(uow, enterprise_id))

    @post("/{enterprise_id:str}/api-keys", operation_id="issueApiKey")
    async def issue_key(
        self,
        enterprise_id: FromPath[str],
        data: JSONBody[ApiKeyCreate],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
    ) -> IssuedApiKey:
        """A new API key of the scope asked for (``booking`` unless said otherwise); its token
        is in this answer and never again. Managers and the administrator only."""
        principal.require_manager_of(enterprise_id)
        key, token = await service.issue_api_key(uow, enterprise_id, data.name, data.scope)
        return IssuedApiKey(key.id, key.name, data.scope, token, local(key.created_at))

    @get("/{enterprise_id:str}/api-keys", operation_id="listApiKeys")
    async def list_keys(
        self,
        enterprise_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
    ) -> list[ApiKeyView]:
        principal.require_manager_of(enterprise_id)
        return [ApiKeyView.of(k) for k in await service.list_api_keys(uow, enterprise_id)]

    @delete("/{enterprise_id:str}/api-keys/{key_id:str}", operation_id="revokeApiKey")
    async def revoke_key(
        self,
        enterprise_id: FromPath[str],
        key_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
        platform: NamedDependency[Platform],
    ) -> None:
        principal.require_manager_of(enterprise_id)
        await service.revoke_api_key(uow, enterprise_id, key_id)
        # Committed before this process forgets the key, so that no request in between can
        # remember it again as live.
        await uow.commit()
        platform.api_keys.forget(key_id)

    @post("/{enterprise_id:str}/users", operation_id="registerUser")
    async def register_user(
        self,
        enterprise_id: FromPath[str],
        data: JSONBody[UserCreate],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
    ) -> UserView:
        """Register a user of the enterprise, with the first password (managers and the
        administrator). An e-mail held by someone outside this enterprise is answered like
        any registration, and no account is made for it: who holds an account elsewhere is
        not for this enterprise to learn. 409 only when this enterprise already has a user
        with that e-mail."""
        principal.require_manager_of(enterprise_id)
        new = service.NewUser(data.email, data.full_name, data.password, data.role)
        return UserView.of(await service.register_user(uow, enterprise_id, new))

    @get("/{enterprise_id:str}/users", operation_id="listUsers")
    async def list_users(
        self,
        enterprise_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
    ) -> list[UserView]:
        principal.require_manager_of(enterprise_id)
        return [UserView.of(u) for u in await service.list_users(uow, enterprise_id)]

    @post(
        "/{enterprise_id:str}/users/{user_id:str}/disable",
        operation_id="disableUser",
        status_code=200,
    )
    async def disable_user(
        self,
        enterprise_id: FromPath[str],
        user_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
    ) -> UserView:
        """Disable a user of the enterprise: their sessions stop working now and their open
        streams close within seconds (GATE_STREAM_RECHECK_S)."""
        principal.require_manager_of(enterprise_id)
        return UserView.of(await service.disable_user(uow, enterprise_id, user_id))


class SessionController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/sessions", operation_id="signIn")
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SignIn],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> SessionView:
        """Sign an enterprise user in; the token is used as 'Authorization: Bearer'. 429 with
        Retry-After past GATE_SIGNIN_LIMIT_PER_ACCOUNT or _PER_ADDRESS attempts."""
        lifetime = timedelta(hours=platform.settings.session_hours)
        user_session, token = await throttled_sign_in(
            uow, platform, client_address(request), data.email, data.password, lifetime
        )
        return SessionView(token, local(user_session.expires_at))

    @delete("/sessions/current", operation_id="signOut")
    async def sign_out(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        principal: NamedDependency[Principal],
    ) -> None:
        """End this session on the server."""
        token = bearer_token(request)
        if token is not None:
            await service.sign_out(uow, token)

    @get("/me", operation_id="whoAmI")
    async def me(self, principal: NamedDependency[Principal]) -> Me:
        role = principal.role.value if principal.role else None
        return Me(principal.kind.value, principal.enterprise_id, principal.user_id, role)

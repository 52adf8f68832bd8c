"""Enterprises, API keys, users and sessions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from gate.accounts import service
from gate.accounts.permissions import Action, of_enterprise, require
from gate.accounts.principal import EnterpriseKey, EnterpriseUser
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
from services.common.contract import ADMIN, ANY, MANAGER, documented
from services.common.dependencies import Caller, bearer_token
from services.common.schemas import local
from services.platform import Platform


class EnterpriseController(Controller):
    path = "/enterprises"
    tags = ["enterprises"]

    @post(
        operation_id="createEnterprise",
        **documented("Register an enterprise", credentials=[ADMIN], problems=["already-exists"]),
    )
    async def create_enterprise(
        self,
        data: JSONBody[EnterpriseCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> EnterpriseView:
        """Register an enterprise (exporter, importer, forwarder) by its tax code; then issue it
        an API key (``issueApiKey``). 409 when the tax code is registered already."""
        require(principal, Action.MANAGE_ENTERPRISES)
        new = service.NewEnterprise(
            data.name, data.tax_code, data.is_aeo, data.contact_email, data.kind
        )
        return EnterpriseView.of(await service.create_enterprise(uow, new))

    @get(operation_id="listEnterprises", **documented("List enterprises", credentials=[ADMIN]))
    async def list_enterprises(
        self, uow: NamedDependency[UnitOfWork], principal: Caller
    ) -> list[EnterpriseView]:
        """Every enterprise registered on the platform."""
        require(principal, Action.MANAGE_ENTERPRISES)
        return [EnterpriseView.of(e) for e in await service.list_enterprises(uow)]

    @get(
        "/{enterprise_id:str}",
        operation_id="getEnterprise",
        **documented("Read an enterprise", credentials=[MANAGER], problems=["not-found"]),
    )
    async def get_enterprise(
        self,
        enterprise_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> EnterpriseView:
        """One enterprise: its name, tax code, AEO status and contact."""
        require(principal, Action.READ_ENTERPRISE, of_enterprise(enterprise_id))
        return EnterpriseView.of(await service.get_enterprise(uow, enterprise_id))

    @post(
        "/{enterprise_id:str}/api-keys",
        operation_id="issueApiKey",
        **documented("Issue an API key", credentials=[MANAGER], problems=["not-found", "conflict"]),
    )
    async def issue_key(
        self,
        enterprise_id: FromPath[str],
        data: JSONBody[ApiKeyCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> IssuedApiKey:
        """A new API key of the scope asked for (``booking`` unless said otherwise); its token
        is in this answer and never again. Managers and the administrator only."""
        require(principal, Action.MANAGE_KEYS, of_enterprise(enterprise_id))
        key, token = await service.issue_api_key(
            uow, enterprise_id, data.name, data.scope, principal.actor
        )
        return IssuedApiKey(key.id, key.name, data.scope, token, local(key.created_at))

    @get(
        "/{enterprise_id:str}/api-keys",
        operation_id="listApiKeys",
        **documented("List the enterprise's API keys", credentials=[MANAGER]),
    )
    async def list_keys(
        self,
        enterprise_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> list[ApiKeyView]:
        """The enterprise's API keys, revoked ones included; never their tokens."""
        require(principal, Action.MANAGE_KEYS, of_enterprise(enterprise_id))
        return [ApiKeyView.of(k) for k in await service.list_api_keys(uow, enterprise_id)]

    @delete(
        "/{enterprise_id:str}/api-keys/{key_id:str}",
        operation_id="revokeApiKey",
        **documented("Revoke an API key", credentials=[MANAGER], problems=["not-found"]),
    )
    async def revoke_key(
        self,
        enterprise_id: FromPath[str],
        key_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
        platform: NamedDependency[Platform],
    ) -> None:
        """Revoke one of the enterprise's API keys: it stops working at once on this
        process and within seconds on the others (GATE_STREAM_RECHECK_S), its open streams
        closed."""
        require(principal, Action.MANAGE_KEYS, of_enterprise(enterprise_id))
        await service.revoke_api_key(uow, enterprise_id, key_id, principal.actor)
        # Committed before this process forgets the key, so that no request in between can
        # remember it again as live.
        await uow.commit()
        platform.api_keys.forget(key_id)

    @post(
        "/{enterprise_id:str}/users",
        operation_id="registerUser",
        **documented(
            "Register a user of the enterprise",
            credentials=[MANAGER],
            problems=["not-found", "already-exists", "conflict"],
        ),
    )
    async def register_user(
        self,
        enterprise_id: FromPath[str],
        data: JSONBody[UserCreate],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> UserView:
        """Register a user of the enterprise, with the first password (managers and the
        administrator). An e-mail held by someone outside this enterprise is answered like
        any registration, and no account is made for it: who holds an account elsewhere is
        not for this enterprise to learn. 409 only when this enterprise already has a user
        with that e-mail."""
        require(principal, Action.MANAGE_USERS, of_enterprise(enterprise_id))
        new = service.NewUser(data.email, data.full_name, data.password, data.role)
        return UserView.of(await service.register_user(uow, enterprise_id, new))

    @get(
        "/{enterprise_id:str}/users",
        operation_id="listUsers",
        **documented("List the enterprise's users", credentials=[MANAGER]),
    )
    async def list_users(
        self,
        enterprise_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> list[UserView]:
        """The enterprise's users, with their roles; never their passwords."""
        require(principal, Action.MANAGE_USERS, of_enterprise(enterprise_id))
        return [UserView.of(u) for u in await service.list_users(uow, enterprise_id)]

    @post(
        "/{enterprise_id:str}/users/{user_id:str}/disable",
        operation_id="disableUser",
        status_code=200,
        **documented("Disable a user", credentials=[MANAGER], problems=["not-found"]),
    )
    async def disable_user(
        self,
        enterprise_id: FromPath[str],
        user_id: FromPath[str],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> UserView:
        """Disable a user of the enterprise: their sessions stop working now and their open
        streams close within seconds (GATE_STREAM_RECHECK_S)."""
        require(principal, Action.MANAGE_USERS, of_enterprise(enterprise_id))
        disabled = await service.disable_user(uow, enterprise_id, user_id, principal.actor)
        return UserView.of(disabled)


class SessionController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post(
        "/sessions",
        operation_id="signIn",
        **documented("Sign in", problems=["unauthorised", "too-many-requests"]),
    )
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SignIn],
        uow: NamedDependency[UnitOfWork],
        platform: NamedDependency[Platform],
    ) -> SessionView:
        """Sign an enterprise user or an officer in with e-mail and password; the answer's
        token is sent as ``Authorization: Bearer`` until it expires. A wrong e-mail or
        password is 401; past the sign-in limits (GATE_SIGNIN_LIMIT_PER_ACCOUNT,
        GATE_SIGNIN_LIMIT_PER_ADDRESS) 429 with ``Retry-After``, even for the right password."""
        lifetime = timedelta(hours=platform.settings.session_hours)
        user_session, token = await throttled_sign_in(
            uow, platform, client_address(request), data.email, data.password, lifetime
        )
        return SessionView(token, local(user_session.expires_at))

    @delete(
        "/sessions/current", operation_id="signOut", **documented("Sign out", credentials=[ANY])
    )
    async def sign_out(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        principal: Caller,
    ) -> None:
        """End the session whose token is sent, on the server: it stops working at once and
        its open streams close. Any other credential is accepted and nothing happens."""
        token = bearer_token(request)
        if token is not None:
            await service.sign_out(uow, token)

    @get("/me", operation_id="whoAmI", **documented("Who am I", credentials=[ANY]))
    async def me(self, principal: Caller) -> Me:
        """What the credential sent is: its kind (``admin``, ``enterprise``, ``officer``,
        ``device``), and for an enterprise its id, user and role. Useful to check a key."""
        match principal:
            case EnterpriseUser():
                role = principal.role.value
                return Me(principal.kind, principal.enterprise_id, principal.user_id, role)
            case EnterpriseKey():
                return Me(principal.kind, principal.enterprise_id, None, principal.role.value)
            case _:
                return Me(principal.kind, None, None, None)

"""Who a bearer token belongs to: the administrator, an enterprise's API key or user session,
an officer's session, or a gate device. Above accounts, devices and officers, whose tokens it
recognises, so none of them needs another (docs/architecture.md, "Floors")."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from gate.accounts import credentials
from gate.accounts import principal as who
from gate.accounts.memory import KeyMemory
from gate.accounts.principal import ADMIN, EnterpriseKind, EnterpriseRole, KeyScope, Principal
from gate.devices.service import device_for_token
from gate.domain.clearance import Agency
from gate.domain.errors import Unauthorised
from gate.domain.time import utc_now
from gate.officers.service import gates_of
from gate.store.tables import ApiKey, Enterprise, EnterpriseUser, Officer, UserSession
from gate.store.unit_of_work import UnitOfWork
from gate.yards.devices import YARD_DEVICE_KEY_PREFIX, yard_device_for_token


async def authenticate(
    uow: UnitOfWork,
    token: str,
    admin_token: str | None,
    api_keys: KeyMemory[Principal] | None = None,
) -> Principal:
    """Who a bearer token belongs to; Unauthorised for anything not valid right now. API keys
    and yard device keys recognised in the last seconds come from ``api_keys`` without a
    query; an enterprise's kind comes with its key or user in the same query."""
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return ADMIN
    if parts := credentials.split_token(token, credentials.API_KEY_PREFIX):
        key_parts = parts  # bound for the lambda: ``parts`` is rebound below
        found = await _remembered(api_keys, token, lambda: _api_key(uow, key_parts))
        if found is not None:
            return found
    elif parts := credentials.split_token(token, credentials.SESSION_PREFIX):
        user_session = await uow.session.get(UserSession, parts[0])
        if (
            user_session
            and user_session.revoked_at is None
            and user_session.expires_at > utc_now()
            and credentials.secret_matches(parts[1], user_session.token_hash)
        ):
            if user_session.officer_id is not None:
                return await _officer_principal(uow, user_session.officer_id, user_session.id)
            user_row = (
                await uow.session.execute(
                    select(EnterpriseUser, Enterprise.kind)
                    .join(Enterprise, Enterprise.id == EnterpriseUser.enterprise_id)
                    .where(EnterpriseUser.id == user_session.user_id)
                )
            ).first()
            if user_row is not None and user_row[0].disabled_at is None:
                user, kind = user_row
                return who.EnterpriseUser(
                    user.enterprise_id,
                    user.id,
                    EnterpriseRole(user.role),
                    user_session.id,
                    EnterpriseKind(kind),
                )
    elif credentials.split_token(token, YARD_DEVICE_KEY_PREFIX):
        found = await _remembered(api_keys, token, lambda: _yard_device(uow, token))
        if found is not None:
            return found
    elif device := await device_for_token(uow, token):
        return who.Device(device.id, device.gate_id)
    raise Unauthorised("the credentials are not valid")


async def _remembered(
    memory: KeyMemory[Principal] | None,
    token: str,
    look_up: Callable[[], Awaitable[tuple[str, Principal] | None]],
) -> Principal | None:
    """``token``'s principal from ``memory`` or else from ``look_up`` (which gives the key's
    subject, its key or device id, and the principal; None: no live key), remembered; one
    lookup per key at a time (``KeyMemory.one_lookup``): the requests of a booking rush that
    all miss when the key's memory runs out wait for one query instead of making one each."""
    if memory is None:
        found = await look_up()
        return found[1] if found is not None else None
    if (remembered := memory.recall(token)) is not None:
        return remembered
    async with memory.one_lookup(token):
        if (remembered := memory.recall(token)) is not None:
            return remembered  # looked up by the request this one waited for
        found = await look_up()
        if found is None:
            return None
        memory.remember(token, *found)
        return found[1]


async def _api_key(uow: UnitOfWork, parts: tuple[str, str]) -> tuple[str, Principal] | None:
    """An enterprise's live API key whose lookup and secret are ``parts``: (key id, its
    principal), or None. Its enterprise's kind comes in the same query."""
    key_row = (
        await uow.session.execute(
            select(ApiKey, Enterprise.kind)
            .join(Enterprise, Enterprise.id == ApiKey.enterprise_id)
            .where(ApiKey.lookup == parts[0])
        )
    ).first()
    if key_row is None:
        return None
    key, enterprise_kind = key_row
    if key.revoked_at is not None or not credentials.secret_matches(parts[1], key.secret_hash):
        return None
    # An enterprise's API key acts for the whole enterprise, as its integration, with the
    # rights of its scope: a booking key is a clerk, not a manager.
    principal = who.EnterpriseKey(
        key.enterprise_id, key.id, KeyScope(key.scope), EnterpriseKind(enterprise_kind)
    )
    return key.id, principal


async def _yard_device(uow: UnitOfWork, token: str) -> tuple[str, Principal] | None:
    """The live waiting-yard device of ``token``: (its id, its principal), or None."""
    yard_device = await yard_device_for_token(uow, token)
    if yard_device is None:
        return None
    return yard_device.id, who.YardDevice(yard_device.id, yard_device.yard_id)


async def _officer_principal(uow: UnitOfWork, officer_id: str, session_id: str) -> who.Officer:
    officer = await uow.session.get(Officer, officer_id)
    if officer is None or officer.disabled_at is not None:
        raise Unauthorised("the credentials are not valid")
    return who.Officer(
        officer.id, Agency(officer.agency), await gates_of(uow, officer.id), session_id
    )

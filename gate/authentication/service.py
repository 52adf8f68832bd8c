"""Who a bearer token belongs to: the administrator, an enterprise's API key or user session,
an officer's session, or a gate device. Above accounts, devices and officers, whose tokens it
recognises, so none of them needs another (docs/architecture.md, "Floors")."""

from __future__ import annotations

import hmac

from sqlalchemy import select

from gate.accounts import credentials
from gate.accounts import principal as who
from gate.accounts.memory import KeyMemory
from gate.accounts.principal import ADMIN, EnterpriseRole, KeyScope, Principal
from gate.devices.service import device_for_token
from gate.domain.clearance import Agency
from gate.domain.errors import Unauthorised
from gate.domain.time import utc_now
from gate.officers.service import gates_of
from gate.store.tables import ApiKey, EnterpriseUser, Officer, UserSession
from gate.store.unit_of_work import UnitOfWork


async def authenticate(
    uow: UnitOfWork,
    token: str,
    admin_token: str | None,
    api_keys: KeyMemory[Principal] | None = None,
) -> Principal:
    """Who a bearer token belongs to; Unauthorised for anything not valid right now. API keys
    recognised in the last seconds come from ``api_keys`` without a query."""
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return ADMIN
    if parts := credentials.split_token(token, credentials.API_KEY_PREFIX):
        if api_keys is not None and (remembered := api_keys.recall(token)) is not None:
            return remembered
        key = await uow.session.scalar(select(ApiKey).where(ApiKey.lookup == parts[0]))
        if key and key.revoked_at is None and credentials.secret_matches(parts[1], key.secret_hash):
            # An enterprise's API key acts for the whole enterprise, as its integration, with
            # the rights of its scope: a booking key is a clerk, not a manager.
            principal = who.EnterpriseKey(key.enterprise_id, key.id, KeyScope(key.scope))
            if api_keys is not None:
                api_keys.remember(token, key.id, principal)
            return principal
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
            user = await uow.session.get(EnterpriseUser, user_session.user_id)
            if user is not None and user.disabled_at is None:
                return who.EnterpriseUser(
                    user.enterprise_id, user.id, EnterpriseRole(user.role), user_session.id
                )
    elif device := await device_for_token(uow, token):
        return who.Device(device.id, device.gate_id)
    raise Unauthorised("the credentials are not valid")


async def _officer_principal(uow: UnitOfWork, officer_id: str, session_id: str) -> who.Officer:
    officer = await uow.session.get(Officer, officer_id)
    if officer is None or officer.disabled_at is not None:
        raise Unauthorised("the credentials are not valid")
    return who.Officer(
        officer.id, Agency(officer.agency), await gates_of(uow, officer.id), session_id
    )

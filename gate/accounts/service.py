"""Enterprises, API keys, users and sessions. Services flush; the request boundary commits."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gate.accounts import credentials
from gate.accounts import principal as who
from gate.accounts.memory import KeyMemory
from gate.accounts.principal import ADMIN, EnterpriseRole, KeyScope, Principal
from gate.devices.service import device_for_token
from gate.domain.clearance import Agency
from gate.domain.errors import AlreadyExists, NotFound, Unauthorised
from gate.domain.events import AccessChange, AccessChanged
from gate.domain.time import utc_now
from gate.officers.service import gates_of
from gate.store.tables import ApiKey, Enterprise, EnterpriseUser, Officer, UserSession
from gate.store.types import new_id
from gate.store.unit_of_work import UnitOfWork

log = logging.getLogger("gate.accounts")


@dataclass(frozen=True, slots=True)
class NewEnterprise:
    name: str
    tax_code: str
    is_aeo: bool = False
    contact_email: str | None = None


async def create_enterprise(uow: UnitOfWork, new: NewEnterprise) -> Enterprise:
    session = uow.session
    if await session.scalar(select(Enterprise.id).where(Enterprise.tax_code == new.tax_code)):
        raise AlreadyExists(f"an enterprise with tax code {new.tax_code} exists")
    enterprise = Enterprise(
        name=new.name, tax_code=new.tax_code, is_aeo=new.is_aeo, contact_email=new.contact_email
    )
    session.add(enterprise)
    try:
        async with uow.savepoint():
            await session.flush()
    except IntegrityError as error:  # a concurrent request took the tax code first
        raise AlreadyExists(f"an enterprise with tax code {new.tax_code} exists") from error
    return enterprise


async def list_enterprises(uow: UnitOfWork) -> list[Enterprise]:
    return list(await uow.session.scalars(select(Enterprise).order_by(Enterprise.name)))


async def get_enterprise(uow: UnitOfWork, enterprise_id: str) -> Enterprise:
    enterprise = await uow.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound("no such enterprise")
    return enterprise


async def issue_api_key(
    uow: UnitOfWork, enterprise_id: str, name: str, scope: KeyScope
) -> tuple[ApiKey, str]:
    """A new key of ``scope`` for the enterprise; the token is returned once and never stored.
    NotFound for an unknown enterprise."""
    await get_enterprise(uow, enterprise_id)
    issued = credentials.issue(credentials.API_KEY_PREFIX)
    key = ApiKey(
        enterprise_id=enterprise_id,
        name=name,
        lookup=issued.lookup,
        secret_hash=issued.hash,
        scope=scope.value,
    )
    uow.session.add(key)
    await uow.session.flush()
    return key, issued.token


async def list_api_keys(uow: UnitOfWork, enterprise_id: str) -> list[ApiKey]:
    await get_enterprise(uow, enterprise_id)
    query = select(ApiKey).where(ApiKey.enterprise_id == enterprise_id).order_by(ApiKey.created_at)
    return list(await uow.session.scalars(query))


async def revoke_api_key(uow: UnitOfWork, enterprise_id: str, key_id: str) -> ApiKey:
    key = await uow.session.get(ApiKey, key_id)
    if key is None or key.enterprise_id != enterprise_id:
        raise NotFound("no such API key")
    if key.revoked_at is None:
        key.revoked_at = utc_now()
        await uow.session.flush()
        uow.record(AccessChanged(kind=AccessChange.API_KEY_REVOKED, subject_id=key.id))
    return key


@dataclass(frozen=True, slots=True)
class NewUser:
    email: str
    full_name: str
    password: str
    role: EnterpriseRole = EnterpriseRole.CLERK


async def register_user(uow: UnitOfWork, enterprise_id: str, new: NewUser) -> EnterpriseUser:
    """Register a user of the enterprise (the manager sets the first password).

    An e-mail is one person across the platform (one sign-in form serves enterprise users and
    officers). One held in *another* enterprise, or by an officer, is answered exactly as a
    registration that took: the same status, the same shape (a fresh id, the name, role and
    time), after the same password hashing, but nothing is stored and the attempt is logged
    for the operators (``accounts.register.email_held_elsewhere``, ids only): a manager must
    not learn who holds an account elsewhere (docs/architecture.md, "Registering users").
    AlreadyExists only when this enterprise itself has a user with that e-mail, which its
    managers can list anyway; NotFound for an unknown enterprise.
    """
    await get_enterprise(uow, enterprise_id)
    email = new.email.strip().lower()
    # Hashed before anything is looked up, so both answers take argon2's time.
    password_hash = await credentials.hash_password(new.password)
    user = EnterpriseUser(
        id=new_id(),
        enterprise_id=enterprise_id,
        email=email,
        full_name=new.full_name,
        role=new.role.value,
        password_hash=password_hash,
        created_at=utc_now(),
    )
    if await _held(uow, enterprise_id, email):
        return user
    uow.session.add(user)
    try:
        async with uow.savepoint():
            await uow.session.flush()
    except IntegrityError as error:  # a concurrent registration took the e-mail first
        if user in uow.session:  # the savepoint's rollback usually expunged it already
            uow.session.expunge(user)
        if await _held(uow, enterprise_id, email):
            return user
        raise AlreadyExists("a user with that e-mail exists") from error
    return user


async def _held(uow: UnitOfWork, enterprise_id: str, email: str) -> bool:
    """Whether ``email`` is held outside the enterprise (logged, never told); AlreadyExists
    when the enterprise itself holds it."""
    holder = await uow.session.scalar(
        select(EnterpriseUser.enterprise_id).where(EnterpriseUser.email == email)
    )
    if holder == enterprise_id:
        raise AlreadyExists("this enterprise already has a user with that e-mail")
    officer = await uow.session.scalar(select(Officer.id).where(Officer.email == email))
    if holder is None and officer is None:
        return False
    log.info(
        "accounts.register.email_held_elsewhere",
        extra={"enterprise_id": enterprise_id, "held_by": "officer" if officer else "enterprise"},
    )
    return True


async def list_users(uow: UnitOfWork, enterprise_id: str) -> list[EnterpriseUser]:
    await get_enterprise(uow, enterprise_id)
    query = select(EnterpriseUser).where(EnterpriseUser.enterprise_id == enterprise_id)
    return list(await uow.session.scalars(query.order_by(EnterpriseUser.email)))


async def sign_in(
    uow: UnitOfWork, email: str, password: str, lifetime: timedelta
) -> tuple[UserSession, str]:
    """Check an enterprise user's or an officer's password and open a session; the token is
    returned once."""
    email = email.strip().lower()
    account: EnterpriseUser | Officer | None = await uow.session.scalar(
        select(EnterpriseUser).where(EnterpriseUser.email == email)
    )
    if account is None:
        account = await uow.session.scalar(select(Officer).where(Officer.email == email))
    stored_hash = account.password_hash if account else credentials.DUMMY_PASSWORD_HASH
    password_ok = await credentials.verify_password(password, stored_hash)
    if account is None or not password_ok or account.disabled_at is not None:
        raise Unauthorised("wrong e-mail or password")
    issued = credentials.issue(credentials.SESSION_PREFIX)
    user_session = UserSession(
        id=issued.lookup,
        user_id=account.id if isinstance(account, EnterpriseUser) else None,
        officer_id=account.id if isinstance(account, Officer) else None,
        token_hash=issued.hash,
        expires_at=utc_now() + lifetime,
    )
    uow.session.add(user_session)
    await uow.session.flush()
    return user_session, issued.token


async def sign_out(uow: UnitOfWork, token: str) -> None:
    """End the session on the server: the token stops working at once."""
    parts = credentials.split_token(token, credentials.SESSION_PREFIX)
    user_session = await uow.session.get(UserSession, parts[0]) if parts else None
    if user_session is not None and user_session.revoked_at is None:
        user_session.revoked_at = utc_now()
        await uow.session.flush()
        uow.record(AccessChanged(kind=AccessChange.SESSION_ENDED, subject_id=user_session.id))


async def disable_user(uow: UnitOfWork, enterprise_id: str, user_id: str) -> EnterpriseUser:
    """Disable an enterprise user: their sessions stop working at once, their open streams
    close within seconds, and they cannot sign in again. NotFound if the user is not one of
    that enterprise's. Idempotent."""
    user = await uow.session.get(EnterpriseUser, user_id)
    if user is None or user.enterprise_id != enterprise_id:
        raise NotFound("no such user")
    if user.disabled_at is None:
        user.disabled_at = utc_now()
        await uow.session.flush()
        uow.record(AccessChanged(kind=AccessChange.USER_DISABLED, subject_id=user.id))
    return user


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

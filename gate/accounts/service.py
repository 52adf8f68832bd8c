"""Enterprises, API keys, users and sessions. Services flush; the request boundary commits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gate.accounts import credentials
from gate.accounts.principal import EnterpriseKind, EnterpriseRole, KeyScope
from gate.accounts.signup import require_approved
from gate.domain.accounts import KeyIssued, KeyRevoked, UserDisabled
from gate.domain.errors import AlreadyExists, NotFound, Unauthorised
from gate.domain.events import SYSTEM, AccessChange, AccessChanged, Actor
from gate.domain.time import utc_now
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
    kind: EnterpriseKind = EnterpriseKind.CARRIER


async def create_enterprise(uow: UnitOfWork, new: NewEnterprise) -> Enterprise:
    session = uow.session
    if await session.scalar(select(Enterprise.id).where(Enterprise.tax_code == new.tax_code)):
        raise AlreadyExists(f"an enterprise with tax code {new.tax_code} exists")
    enterprise = Enterprise(
        name=new.name,
        tax_code=new.tax_code,
        is_aeo=new.is_aeo,
        contact_email=new.contact_email,
        kind=new.kind.value,
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
    uow: UnitOfWork, enterprise_id: str, name: str, scope: KeyScope, actor: Actor = SYSTEM
) -> tuple[ApiKey, str]:
    """A new key of ``scope`` for the enterprise, issued by ``actor`` (audited in the
    enterprise's chain); the token is returned once and never stored. NotFound for an
    unknown enterprise, Conflict for one not approved (gate/accounts/signup.py)."""
    require_approved(await get_enterprise(uow, enterprise_id))
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
    uow.record(
        KeyIssued(
            enterprise_id=enterprise_id, subject_id=key.id, actor=actor, facts={"scope": key.scope}
        )
    )
    return key, issued.token


async def list_api_keys(uow: UnitOfWork, enterprise_id: str) -> list[ApiKey]:
    await get_enterprise(uow, enterprise_id)
    query = select(ApiKey).where(ApiKey.enterprise_id == enterprise_id).order_by(ApiKey.created_at)
    return list(await uow.session.scalars(query))


async def revoke_api_key(
    uow: UnitOfWork, enterprise_id: str, key_id: str, actor: Actor = SYSTEM
) -> ApiKey:
    """Revoke one of the enterprise's keys (audited, by ``actor``); idempotent. NotFound
    for another enterprise's key."""
    key = await uow.session.get(ApiKey, key_id)
    if key is None or key.enterprise_id != enterprise_id:
        raise NotFound("no such API key")
    if key.revoked_at is None:
        key.revoked_at = utc_now()
        await uow.session.flush()
        uow.record(AccessChanged(kind=AccessChange.API_KEY_REVOKED, subject_id=key.id))
        uow.record(
            KeyRevoked(
                enterprise_id=enterprise_id,
                subject_id=key.id,
                actor=actor,
                facts={"scope": key.scope},
            )
        )
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
    managers can list anyway; NotFound for an unknown enterprise, Conflict for one not
    approved.
    """
    require_approved(await get_enterprise(uow, enterprise_id))
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


async def disable_user(
    uow: UnitOfWork, enterprise_id: str, user_id: str, actor: Actor = SYSTEM
) -> EnterpriseUser:
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
        uow.record(UserDisabled(enterprise_id=enterprise_id, subject_id=user.id, actor=actor))
    return user

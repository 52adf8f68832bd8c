"""An enterprise's people, managed by its managers: invitations (the invitee chooses their
own password), roles, disabling; and a forgotten password reset by e-mail. Services flush;
the request boundary commits. The rules and lifetimes: gate/domain/accounts.py.

**Nothing tells who has an account.** An invitation to an address held elsewhere (another
enterprise's user, an officer) is made and mailed like any other: only the mailbox's owner
reads, on accepting, that the address has an account already (docs/architecture.md,
"Accounts"). A reset asked for an address with no account is answered as one that has:
``request_reset`` returns nothing either way.

**An enterprise keeps a manager.** The last active manager can be neither made a clerk nor
disabled: nobody could then manage its users and keys but the administrator.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from gate.accounts import credentials, links
from gate.accounts.principal import EnterpriseRole
from gate.accounts.signup import require_approved
from gate.domain.accounts import AccountMail, LinkPurpose, RoleChanged, UserDisabled, UserJoined
from gate.domain.errors import AlreadyExists, Conflict, NotFound
from gate.domain.events import SYSTEM, AccessChange, AccessChanged, Actor
from gate.domain.time import utc_now
from gate.store.tables import AccountLink, Enterprise, EnterpriseUser, Officer, UserSession
from gate.store.tables.base import table_of
from gate.store.unit_of_work import UnitOfWork

log = logging.getLogger("gate.accounts")

# A reset asked again within this time makes no new mail: the one sent is on its way, and a
# script typing an address cannot fill its owner's mailbox.
RESET_QUIET = timedelta(minutes=2)


async def _enterprise(uow: UnitOfWork, enterprise_id: str) -> Enterprise:
    enterprise = await uow.session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound("no such enterprise")
    return enterprise


async def invite(
    uow: UnitOfWork,
    enterprise_id: str,
    email: str,
    role: EnterpriseRole,
    language: str,
    actor: Actor = SYSTEM,
) -> AccountLink:
    """Invite ``email`` to join the approved enterprise with ``role``: a one-time link is
    mailed (an earlier invitation to the address is replaced). AlreadyExists when the
    enterprise has a user with that e-mail (its managers list them anyway); Conflict for an
    enterprise not approved; NotFound for an unknown one."""
    require_approved(await _enterprise(uow, enterprise_id))
    email = email.strip().lower()
    mine = await uow.session.scalar(
        select(EnterpriseUser.id).where(
            EnterpriseUser.email == email, EnterpriseUser.enterprise_id == enterprise_id
        )
    )
    if mine is not None:
        raise AlreadyExists("this enterprise already has a user with that e-mail", field="email")
    await links.retire(uow, LinkPurpose.INVITATION, enterprise_id=enterprise_id, email=email)
    link = links.new_link(
        uow, LinkPurpose.INVITATION, enterprise_id, email, language, role=role.value
    )
    await uow.session.flush()
    uow.record(
        AccountMail(
            kind="account.invited", enterprise_id=enterprise_id, link_id=link.id, language=language
        )
    )
    log.info("accounts.invited", extra={"enterprise_id": enterprise_id, "link_id": link.id})
    return link


async def open_invitations(uow: UnitOfWork, enterprise_id: str) -> list[AccountLink]:
    """The enterprise's invitations still waiting to be accepted, newest first."""
    query = select(AccountLink).where(
        AccountLink.enterprise_id == enterprise_id,
        AccountLink.purpose == LinkPurpose.INVITATION.value,
        AccountLink.used_at.is_(None),
        AccountLink.expires_at > utc_now(),
    )
    return list(await uow.session.scalars(query.order_by(AccountLink.created_at.desc())))


async def withdraw_invitation(uow: UnitOfWork, enterprise_id: str, link_id: str) -> None:
    """Withdraw one of the enterprise's open invitations (its link stops working)."""
    link = await uow.session.get(AccountLink, link_id)
    if link is None or link.enterprise_id != enterprise_id or link.purpose != "invitation":
        raise NotFound("no such invitation")
    await links.retire(uow, LinkPurpose.INVITATION, enterprise_id=enterprise_id, email=link.email)


async def accept_invitation(
    uow: UnitOfWork, secret_key: str, token: str, full_name: str, password: str
) -> EnterpriseUser:
    """The invitee of ``token`` joins its enterprise with the invitation's role and their
    own password; the link is spent. LinkGone for a link not live; AlreadyExists when the
    address has an account already: told only to whoever holds the link, the mailbox's
    owner; nothing is made and the link stays unspent."""
    link = await links.open_link(uow, secret_key, token, LinkPurpose.INVITATION)
    require_approved(await _enterprise(uow, link.enterprise_id))
    password_hash = await credentials.hash_password(password)
    if await _held(uow, link.email):
        raise AlreadyExists("this address has an account already: sign in, or reset its password")
    await links.spend(uow, link)
    user = EnterpriseUser(
        enterprise_id=link.enterprise_id,
        email=link.email,
        full_name=full_name.strip(),
        role=link.role or EnterpriseRole.CLERK.value,
        password_hash=password_hash,
    )
    uow.session.add(user)
    try:
        async with uow.savepoint():
            await uow.session.flush()
    except IntegrityError as error:  # a concurrent registration took the e-mail first
        raise AlreadyExists("this address has an account already") from error
    uow.record(
        UserJoined(
            enterprise_id=user.enterprise_id,
            subject_id=user.id,
            actor=Actor("enterprise", user.id, user.role),
            to_status=user.role,
            facts={"link_id": link.id},
        )
    )
    return user


async def _held(uow: UnitOfWork, email: str) -> bool:
    user = await uow.session.scalar(select(EnterpriseUser.id).where(EnterpriseUser.email == email))
    officer = await uow.session.scalar(select(Officer.id).where(Officer.email == email))
    return user is not None or officer is not None


async def _member(uow: UnitOfWork, enterprise_id: str, user_id: str) -> EnterpriseUser:
    user = await uow.session.scalar(
        select(EnterpriseUser).where(EnterpriseUser.id == user_id).with_for_update()
    )
    if user is None or user.enterprise_id != enterprise_id:
        raise NotFound("no such user")
    return user


async def _keep_a_manager(uow: UnitOfWork, user: EnterpriseUser) -> None:
    """Conflict when ``user`` is the enterprise's last active manager."""
    if user.role != EnterpriseRole.MANAGER.value or user.disabled_at is not None:
        return
    others = await uow.session.scalar(
        select(func.count()).where(
            EnterpriseUser.enterprise_id == user.enterprise_id,
            EnterpriseUser.role == EnterpriseRole.MANAGER.value,
            EnterpriseUser.disabled_at.is_(None),
            EnterpriseUser.id != user.id,
        )
    )
    if not others:
        raise Conflict("the enterprise must keep at least one active manager", why="last-manager")


async def change_role(
    uow: UnitOfWork, enterprise_id: str, user_id: str, role: EnterpriseRole, actor: Actor
) -> EnterpriseUser:
    """Give one of the enterprise's users ``role`` (audited). NotFound for another's user;
    Conflict for a disabled user or the last active manager made a clerk."""
    user = await _member(uow, enterprise_id, user_id)
    if user.disabled_at is not None:
        raise Conflict("this user is disabled")
    if user.role == role.value:
        return user
    if role is EnterpriseRole.CLERK:
        await _keep_a_manager(uow, user)
    before, user.role = user.role, role.value
    await uow.session.flush()
    uow.record(
        RoleChanged(
            enterprise_id=enterprise_id,
            subject_id=user.id,
            actor=actor,
            from_status=before,
            to_status=role.value,
        )
    )
    return user


async def disable(
    uow: UnitOfWork, enterprise_id: str, user_id: str, actor: Actor
) -> EnterpriseUser:
    """Disable one of the enterprise's users (audited): their sessions stop at once and
    their streams close. Idempotent; Conflict for the last active manager."""
    user = await _member(uow, enterprise_id, user_id)
    if user.disabled_at is not None:
        return user
    await _keep_a_manager(uow, user)
    user.disabled_at = utc_now()
    await uow.session.flush()
    uow.record(AccessChanged(kind=AccessChange.USER_DISABLED, subject_id=user.id))
    uow.record(UserDisabled(enterprise_id=enterprise_id, subject_id=user.id, actor=actor))
    return user


async def request_reset(uow: UnitOfWork, email: str, language: str) -> None:
    """Mail a reset link to the enterprise user signing in with ``email``, if there is one
    (active, of an approved enterprise) and none was asked for in the last minutes. Returns
    nothing either way (module docstring); logged with ids only."""
    email = email.strip().lower()
    row = (
        await uow.session.execute(
            select(EnterpriseUser, Enterprise.status)
            .join(Enterprise, Enterprise.id == EnterpriseUser.enterprise_id)
            .where(EnterpriseUser.email == email)
        )
    ).first()
    if row is None or row[0].disabled_at is not None or row[1] != "approved":
        log.info("accounts.reset.no_account")
        return
    user = row[0]
    recent = await uow.session.scalar(
        select(AccountLink.id).where(
            AccountLink.user_id == user.id,
            AccountLink.purpose == LinkPurpose.RESET.value,
            AccountLink.created_at > utc_now() - RESET_QUIET,
        )
    )
    if recent is not None:
        log.info("accounts.reset.asked_again", extra={"user_id": user.id})
        return
    await links.retire(uow, LinkPurpose.RESET, user_id=user.id)
    link = links.new_link(
        uow, LinkPurpose.RESET, user.enterprise_id, user.email, language, user_id=user.id
    )
    await uow.session.flush()
    uow.record(
        AccountMail(
            kind="account.reset",
            enterprise_id=user.enterprise_id,
            link_id=link.id,
            language=language,
        )
    )
    log.info("accounts.reset.mailed", extra={"user_id": user.id, "link_id": link.id})


async def reset_password(uow: UnitOfWork, secret_key: str, token: str, password: str) -> str:
    """Set the password of the reset link's user and spend the link; every session of the
    user ends (whoever knew the old password is out). The user's e-mail, to sign in with.
    LinkGone for a link not live, or a user disabled since."""
    link = await links.open_link(uow, secret_key, token, LinkPurpose.RESET)
    user = await uow.session.get(EnterpriseUser, link.user_id) if link.user_id else None
    if user is None or user.disabled_at is not None:
        raise links.LinkGone("this account is disabled")
    password_hash = await credentials.hash_password(password)
    await links.spend(uow, link)
    user.password_hash = password_hash
    sessions = table_of(UserSession)
    ended = list(
        await uow.session.scalars(
            update(sessions)
            .where(sessions.c.user_id == user.id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=utc_now())
            .returning(sessions.c.id)
            .execution_options(synchronize_session=False)
        )
    )
    await uow.session.flush()
    for session_id in ended:
        uow.record(AccessChanged(kind=AccessChange.SESSION_ENDED, subject_id=session_id))
    log.info("accounts.reset.done", extra={"user_id": user.id})
    return user.email

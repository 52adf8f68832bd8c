"""An enterprise's people (gate/accounts/people.py, gate/accounts/links.py), on both
databases: an invitation works once and only until it expires, and only its latest mail
works; a reset link works once, ends the old sessions, and an unknown address makes
nothing; the last manager stays; role changes and keys are audited in the enterprise's
chain."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gate.accounts import links, people, service, signup
from gate.accounts.principal import EnterpriseRole, KeyScope
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.accounts import LinkPurpose
from gate.domain.errors import AlreadyExists, Conflict, Unauthorised
from gate.domain.events import Actor
from gate.domain.time import utc_now
from gate.store.audit import verify
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import AccountLink, AuditLogEntry, UserSession
from gate.store.unit_of_work import UnitOfWork

SECRET = "a-secret-key-for-the-links-of-these-tests"
PASSWORD = "một-mật-khẩu-dài"
ADMIN = Actor("admin")
HOURS = timedelta(hours=1)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
def new_uow(engine: AsyncEngine) -> Callable[[], UnitOfWork]:
    factory = create_session_factory(engine)
    bus = InMemoryEventBus()
    return lambda: UnitOfWork(factory, bus)


async def approved(new_uow: Callable[[], UnitOfWork]) -> tuple[str, str]:
    """An approved enterprise and its manager (who accepted the approval's invitation)."""
    async with new_uow() as uow:
        enterprise = await signup.sign_up(
            uow,
            signup.Application(
                "Công ty CP Logistics Tân Thanh",
                "0201234567",
                "Lê Văn Minh",
                "minh@tanthanh.vn",
                "0912345678",
            ),
        )
        await signup.decide_application(uow, enterprise.id, True, None, ADMIN)
        await uow.commit()
        enterprise_id = enterprise.id
    async with new_uow() as uow:
        link = await uow.session.scalar(
            select(AccountLink).where(AccountLink.enterprise_id == enterprise_id)
        )
        assert link is not None
        token = links.token_of(SECRET, link.id)
        manager = await people.accept_invitation(uow, SECRET, token, "Lê Văn Minh", PASSWORD)
        await uow.commit()
        return enterprise_id, manager.id


async def invitation_token(new_uow, enterprise_id: str, email: str, **given) -> str:
    async with new_uow() as uow:
        link = await people.invite(
            uow, enterprise_id, email, EnterpriseRole.CLERK, "vi", Actor("admin"), **given
        )
        await uow.commit()
        return links.token_of(SECRET, link.id)


async def test_an_invitation_makes_one_user_with_its_role_and_works_once(new_uow):
    enterprise_id, _ = await approved(new_uow)
    token = await invitation_token(new_uow, enterprise_id, "Clerk@TanThanh.vn")
    async with new_uow() as uow:
        clerk = await people.accept_invitation(uow, SECRET, token, "Phạm Thị Hoa", PASSWORD)
        await uow.commit()
    assert (clerk.role, clerk.email) == ("clerk", "clerk@tanthanh.vn")
    async with new_uow() as uow:
        with pytest.raises(links.LinkGone):
            await people.accept_invitation(uow, SECRET, token, "Someone Else", PASSWORD)
        # A token under another key, or altered, names no link.
        with pytest.raises(links.LinkGone):
            await links.open_link(uow, "another-key", token, LinkPurpose.INVITATION)
        with pytest.raises(links.LinkGone):
            await links.open_link(uow, SECRET, token[:-2] + "xx", LinkPurpose.INVITATION)
        _, session = await service.sign_in(uow, "clerk@tanthanh.vn", PASSWORD, HOURS)
        assert session.startswith("gs_")


async def test_an_invitation_expires_and_only_the_latest_mail_works(new_uow):
    enterprise_id, _ = await approved(new_uow)
    first = await invitation_token(new_uow, enterprise_id, "hoa@tanthanh.vn")
    second = await invitation_token(new_uow, enterprise_id, "hoa@tanthanh.vn")
    async with new_uow() as uow:
        with pytest.raises(links.LinkGone):  # replaced by the second
            await links.open_link(uow, SECRET, first, LinkPurpose.INVITATION)
        # A week later, the second has expired too.
        link_id = second.split(".")[0]
        await uow.session.execute(
            update(AccountLink)
            .where(AccountLink.id == link_id)
            .values(expires_at=utc_now() - timedelta(seconds=1))
        )
        await uow.commit()
    async with new_uow() as uow:
        with pytest.raises(links.LinkGone):
            await people.accept_invitation(uow, SECRET, second, "Phạm Thị Hoa", PASSWORD)
        assert await people.open_invitations(uow, enterprise_id) == []


async def test_an_invitation_to_an_address_with_an_account_tells_only_the_invitee(new_uow):
    enterprise_id, _ = await approved(new_uow)
    # Another enterprise's manager's address: the invitation is made as any other.
    other_id, _ = await approved_other(new_uow)
    token = await invitation_token(new_uow, enterprise_id, "minh2@tanthanh.vn")
    async with new_uow() as uow:
        with pytest.raises(AlreadyExists):
            await people.invite(uow, enterprise_id, "minh@tanthanh.vn", EnterpriseRole.CLERK, "vi")
        held = await people.invite(
            uow, enterprise_id, "lan@dongdang.vn", EnterpriseRole.CLERK, "vi"
        )
        await uow.commit()
    async with new_uow() as uow:
        with pytest.raises(AlreadyExists):  # told on accepting, to the mailbox's owner
            await people.accept_invitation(
                uow, SECRET, links.token_of(SECRET, held.id), "Lan", PASSWORD
            )
    async with new_uow() as uow:  # the link was not spent by the refusal
        await links.open_link(uow, SECRET, links.token_of(SECRET, held.id), LinkPurpose.INVITATION)
        await links.open_link(uow, SECRET, token, LinkPurpose.INVITATION)
    assert other_id != enterprise_id


async def approved_other(new_uow) -> tuple[str, str]:
    async with new_uow() as uow:
        enterprise = await signup.sign_up(
            uow,
            signup.Application(
                "Công ty Đồng Đăng", "0309876543", "Lan", "lan@dongdang.vn", "0987654321"
            ),
        )
        await signup.decide_application(uow, enterprise.id, True, None, ADMIN)
        await uow.commit()
    async with new_uow() as uow:
        link = await uow.session.scalar(
            select(AccountLink).where(AccountLink.enterprise_id == enterprise.id)
        )
        assert link is not None
        user = await people.accept_invitation(
            uow, SECRET, links.token_of(SECRET, link.id), "Lan", PASSWORD
        )
        await uow.commit()
        return enterprise.id, user.id


async def test_a_reset_link_works_once_and_ends_the_old_sessions(new_uow):
    await approved(new_uow)
    async with new_uow() as uow:
        old_session, _ = await service.sign_in(uow, "minh@tanthanh.vn", PASSWORD, HOURS)
        await people.request_reset(uow, "nobody@tanthanh.vn", "vi")  # no account: nothing
        await people.request_reset(uow, " Minh@TanThanh.vn ", "zh")
        await people.request_reset(uow, "minh@tanthanh.vn", "zh")  # asked again: no new link
        await uow.commit()
        session_id = old_session.id
    async with new_uow() as uow:
        resets = list(
            await uow.session.scalars(select(AccountLink).where(AccountLink.purpose == "reset"))
        )
        assert [(r.email, r.language) for r in resets] == [("minh@tanthanh.vn", "zh")]
        token = links.token_of(SECRET, resets[0].id)
        assert await people.reset_password(uow, SECRET, token, "mật-khẩu-mới-dài") == (
            "minh@tanthanh.vn"
        )
        await uow.commit()
    async with new_uow() as uow:
        with pytest.raises(links.LinkGone):
            await people.reset_password(uow, SECRET, token, "mật-khẩu-thứ-ba-dài")
        ended = await uow.session.get(UserSession, session_id)
        assert ended is not None and ended.revoked_at is not None
        with pytest.raises(Unauthorised):
            await service.sign_in(uow, "minh@tanthanh.vn", PASSWORD, HOURS)
        await service.sign_in(uow, "minh@tanthanh.vn", "mật-khẩu-mới-dài", HOURS)


async def test_the_last_manager_stays_and_roles_and_keys_are_audited(new_uow):
    enterprise_id, manager_id = await approved(new_uow)
    token = await invitation_token(new_uow, enterprise_id, "hoa@tanthanh.vn")
    async with new_uow() as uow:
        clerk = await people.accept_invitation(uow, SECRET, token, "Phạm Thị Hoa", PASSWORD)
        await uow.commit()
    by_manager = Actor("enterprise", manager_id, "manager")
    async with new_uow() as uow:
        with pytest.raises(Conflict, match="manager"):
            await people.change_role(uow, enterprise_id, manager_id, EnterpriseRole.CLERK, ADMIN)
        with pytest.raises(Conflict, match="manager"):
            await people.disable(uow, enterprise_id, manager_id, ADMIN)
        await people.change_role(uow, enterprise_id, clerk.id, EnterpriseRole.MANAGER, by_manager)
        await people.change_role(uow, enterprise_id, manager_id, EnterpriseRole.CLERK, by_manager)
        key, _ = await service.issue_api_key(
            uow, enterprise_id, "erp", KeyScope.BOOKING, by_manager
        )
        await service.revoke_api_key(uow, enterprise_id, key.id, by_manager)
        await uow.commit()
    async with new_uow() as uow:
        entries = list(
            await uow.session.scalars(
                select(AuditLogEntry)
                .where(AuditLogEntry.chain == enterprise_id)
                .order_by(AuditLogEntry.seq)
            )
        )
        assert [(e.event, e.subject_id, e.from_status, e.to_status) for e in entries][-4:] == [
            ("account.role_changed", clerk.id, "clerk", "manager"),
            ("account.role_changed", manager_id, "manager", "clerk"),
            ("account.key_issued", key.id, None, None),
            ("account.key_revoked", key.id, None, None),
        ]
        assert {e.actor_id for e in entries[-4:]} == {manager_id}
        assert '"scope":"booking"' in entries[-1].data
        assert (await verify(uow.session))[0] == []

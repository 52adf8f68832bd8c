"""An enterprise signs itself up and the administration decides (gate/accounts/signup.py),
on both databases: the tax code's shape, one enterprise per tax code whatever its spelling,
nobody acting for a pending enterprise, one decision only, each decision audited in the
enterprise's own chain and mailed through the outbox with no address or token in the event."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gate.accounts import service, signup
from gate.accounts.principal import KeyScope
from gate.bus.events import InMemoryEventBus
from gate.config import Settings
from gate.domain.accounts import EnterpriseStatus
from gate.domain.errors import AlreadyExists, Conflict, InvalidTransition, ValidationFailed
from gate.domain.events import Actor
from gate.store.audit import verify
from gate.store.database import create_engine, create_session_factory
from gate.store.tables import AccountLink, AuditLogEntry, OutboxEvent
from gate.store.unit_of_work import UnitOfWork

ADMIN = Actor("admin")


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


def application(tax_code: str = "0109876543", **given: str) -> signup.Application:
    fields = {
        "name": "Công ty TNHH Vận tải Đồng Đăng",
        "tax_code": tax_code,
        "contact_name": "Nguyễn Thị Lan",
        "contact_email": "Lan@DongDang.vn",
        "contact_phone": "+84 912 345 678",
        **given,
    }
    return signup.Application(**fields)  # type: ignore[arg-type]


async def signed_up(new_uow: Callable[[], UnitOfWork], tax_code: str = "0109876543") -> str:
    async with new_uow() as uow:
        enterprise = await signup.sign_up(uow, application(tax_code))
        await uow.commit()
        return enterprise.id


@pytest.mark.parametrize(
    "tax_code", ["", "123456789", "12345678901", "0101234567-000", "0000000000", "01O1234567"]
)
async def test_a_tax_code_of_the_wrong_shape_is_refused_naming_the_field(new_uow, tax_code):
    async with new_uow() as uow:
        with pytest.raises(ValidationFailed) as refused:
            await signup.sign_up(uow, application(tax_code))
    assert refused.value.extensions == {"field": "tax_code"}


async def test_a_branch_is_stored_in_one_spelling_and_signs_up_once(new_uow):
    enterprise_id = await signed_up(new_uow, "0101234567 001")
    async with new_uow() as uow:
        enterprise = await service.get_enterprise(uow, enterprise_id)
        assert enterprise.tax_code == "0101234567-001"
        assert enterprise.status == "pending"
        assert enterprise.contact_email == "lan@dongdang.vn"
        for spelling in ("0101234567-001", "0101234567001", "0101.234.567-001"):
            with pytest.raises(AlreadyExists):
                await signup.sign_up(uow, application(spelling))


async def test_a_pending_enterprise_gets_no_key_nor_user_and_so_cannot_book(new_uow):
    enterprise_id = await signed_up(new_uow)
    async with new_uow() as uow:
        with pytest.raises(Conflict, match="pending"):
            await service.issue_api_key(uow, enterprise_id, "erp", KeyScope.BOOKING)
        new = service.NewUser("clerk@dongdang.vn", "Trần Văn Bình", "mật-khẩu-dài-1")
        with pytest.raises(Conflict, match="pending"):
            await service.register_user(uow, enterprise_id, new)


async def test_approval_invites_the_contact_as_manager_once_audited_and_mailed(new_uow):
    enterprise_id = await signed_up(new_uow)
    async with new_uow() as uow:
        await signup.decide_application(uow, enterprise_id, True, None, ADMIN)
        await uow.commit()
    async with new_uow() as uow:
        with pytest.raises(InvalidTransition):
            await signup.decide_application(uow, enterprise_id, False, "late", ADMIN)
        link = await uow.session.scalar(
            select(AccountLink).where(AccountLink.enterprise_id == enterprise_id)
        )
        assert link is not None
        assert (link.purpose, link.role, link.email) == ("invitation", "manager", "lan@dongdang.vn")
        entries = list(
            await uow.session.scalars(
                select(AuditLogEntry)
                .where(AuditLogEntry.chain == enterprise_id)
                .order_by(AuditLogEntry.seq)
            )
        )
        assert [(e.event, e.from_status, e.to_status, e.actor_kind) for e in entries] == [
            ("account.signed_up", None, "pending", "enterprise"),
            ("account.enterprise_decided", "pending", "approved", "admin"),
        ]
        mails = list(
            await uow.session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.enterprise_id == enterprise_id)
                .order_by(OutboxEvent.seq)
            )
        )
        assert [m.payload["kind"] for m in mails] == ["account.received", "account.approved"]
        assert mails[1].payload["link_id"] == link.id
        # Nothing in the outbox that opens an account or names a person.
        for mail in mails:
            assert "lan@dongdang.vn" not in str(mail.payload)
            assert "Nguyễn" not in str(mail.payload)
        breaks, _ = await verify(uow.session)
        assert breaks == []
        # Approved: it may now have keys.
        await service.issue_api_key(uow, enterprise_id, "erp", KeyScope.BOOKING, ADMIN)


async def test_a_rejection_needs_a_reason_and_tells_it(new_uow):
    enterprise_id = await signed_up(new_uow)
    async with new_uow() as uow:
        with pytest.raises(ValidationFailed):
            await signup.decide_application(uow, enterprise_id, False, "  ", ADMIN)
        rejected = await signup.decide_application(
            uow, enterprise_id, False, "Mã số thuế không khớp với tên doanh nghiệp", ADMIN
        )
        await uow.commit()
    assert rejected.status == EnterpriseStatus.REJECTED.value
    async with new_uow() as uow:
        pending = await signup.list_by_status(uow, EnterpriseStatus.PENDING)
        assert enterprise_id not in [e.id for e in pending]
        mail = await uow.session.scalar(
            select(OutboxEvent)
            .where(OutboxEvent.enterprise_id == enterprise_id)
            .order_by(OutboxEvent.seq.desc())
        )
        assert mail is not None
        assert mail.payload["kind"] == "account.rejected"
        assert mail.payload["reason"] == "Mã số thuế không khớp với tên doanh nghiệp"
        with pytest.raises(Conflict):
            await service.issue_api_key(uow, enterprise_id, "erp", KeyScope.BOOKING)

"""An enterprise signs itself up; the administration approves or rejects it
(gate/domain/accounts.py has the rules). Services flush; the request boundary commits.

Signing up makes a ``pending`` enterprise with no user and no key, and tells the contact
that the application arrived. Approving it invites the contact person as the enterprise's
manager (a one-time link: they choose their own password); rejecting it tells them why. A
pending or rejected enterprise has nobody who could book: keys and users are refused to it
(``require_approved``), and sign-in finds no user of it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gate.accounts import links
from gate.accounts.principal import EnterpriseKind, EnterpriseRole
from gate.domain.accounts import (
    AccountMail,
    EnterpriseDecided,
    EnterpriseSignedUp,
    EnterpriseStatus,
    LinkPurpose,
    decide,
)
from gate.domain.errors import (
    AlreadyExists,
    Conflict,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from gate.domain.events import Actor
from gate.domain.tax_codes import normalise_tax_code, spellings
from gate.domain.time import utc_now
from gate.store.tables import Enterprise
from gate.store.tables.base import table_of
from gate.store.unit_of_work import UnitOfWork

log = logging.getLogger("gate.accounts")

APPLICANT = Actor("enterprise", None, "applicant")
MAX_REASON = 300  # as the column


@dataclass(frozen=True, slots=True)
class Application:
    """What an enterprise gives when it signs up; ``language``: the page's, its mails'."""

    name: str
    tax_code: str
    contact_name: str
    contact_email: str
    contact_phone: str
    kind: EnterpriseKind = EnterpriseKind.CARRIER
    language: str = "vi"


async def sign_up(uow: UnitOfWork, application: Application) -> Enterprise:
    """A pending enterprise for ``application``; its contact is told the application
    arrived. ValidationFailed for a tax code of the wrong shape (gate/domain/tax_codes.py);
    AlreadyExists when an enterprise has that tax code (tax codes are public: the national
    business registry lists them)."""
    tax_code = normalise_tax_code(application.tax_code)
    taken = await uow.session.scalar(
        select(Enterprise.id).where(Enterprise.tax_code.in_(spellings(tax_code)))
    )
    if taken is not None:
        raise AlreadyExists(
            "an enterprise with this tax code is registered already", field="tax_code"
        )
    enterprise = Enterprise(
        name=application.name.strip(),
        tax_code=tax_code,
        contact_name=application.contact_name.strip(),
        contact_email=application.contact_email.strip().lower(),
        contact_phone=application.contact_phone.strip(),
        kind=application.kind.value,
        status=EnterpriseStatus.PENDING.value,
        contact_language=application.language,
    )
    uow.session.add(enterprise)
    try:
        async with uow.savepoint():
            await uow.session.flush()
    except IntegrityError as error:  # a concurrent sign-up took the tax code first
        raise AlreadyExists(
            "an enterprise with this tax code is registered already", field="tax_code"
        ) from error
    uow.record(
        EnterpriseSignedUp(
            enterprise_id=enterprise.id,
            subject_id=enterprise.id,
            actor=APPLICANT,
            to_status=EnterpriseStatus.PENDING.value,
            facts={"kind": enterprise.kind},
        )
    )
    uow.record(
        AccountMail(
            kind="account.received", enterprise_id=enterprise.id, language=application.language
        )
    )
    log.info("accounts.signed_up", extra={"enterprise_id": enterprise.id})
    return enterprise


async def list_by_status(uow: UnitOfWork, status: EnterpriseStatus) -> list[Enterprise]:
    """The enterprises in ``status``, oldest first (the administration's queue)."""
    query = select(Enterprise).where(Enterprise.status == status.value)
    return list(await uow.session.scalars(query.order_by(Enterprise.created_at, Enterprise.id)))


async def decide_application(
    uow: UnitOfWork, enterprise_id: str, approve: bool, reason: str | None, actor: Actor
) -> Enterprise:
    """Approve (the contact is invited as manager) or reject (with ``reason``, 1 to 300
    characters, told to the contact) a pending enterprise. NotFound, ValidationFailed
    (``reason``), InvalidTransition (decided already). Locks the row, so two decisions
    racing cannot both pass (a conditional update where no row lock is taken)."""
    enterprise = await uow.session.scalar(
        select(Enterprise).where(Enterprise.id == enterprise_id).with_for_update()
    )
    if enterprise is None:
        raise NotFound("no such enterprise")
    reason = (reason or "").strip() or None
    if not approve and (reason is None or len(reason) > MAX_REASON):
        raise ValidationFailed(f"a reason of 1 to {MAX_REASON} characters", field="reason")
    before = EnterpriseStatus(enterprise.status)
    after = decide(before, approve)
    if approve and not enterprise.contact_email:
        raise Conflict("the enterprise has no contact e-mail to invite its manager at")
    # Conditional on the status read: of two decisions racing (SQLite takes no row lock),
    # the second changes nothing and is refused as decided already.
    table = table_of(Enterprise)
    changed = await uow.session.execute(
        update(table)
        .where(table.c.id == enterprise.id, table.c.status == before.value)
        .values(
            status=after.value,
            decided_at=utc_now(),
            decision_reason=None if approve else reason,
        )
        .execution_options(synchronize_session=False)
    )
    if int(getattr(changed, "rowcount", 0) or 0) != 1:
        raise InvalidTransition("this enterprise was decided already")
    await uow.session.refresh(enterprise)
    language = enterprise.contact_language or "vi"
    link = None
    if approve:
        link = links.new_link(
            uow,
            LinkPurpose.INVITATION,
            enterprise.id,
            enterprise.contact_email or "",
            language,
            full_name=enterprise.contact_name,
            role=EnterpriseRole.MANAGER.value,
        )
    await uow.session.flush()
    uow.record(
        EnterpriseDecided(
            enterprise_id=enterprise.id,
            subject_id=enterprise.id,
            actor=actor,
            from_status=before.value,
            to_status=after.value,
            reason=enterprise.decision_reason,
        )
    )
    uow.record(
        AccountMail(
            kind="account.approved" if approve else "account.rejected",
            enterprise_id=enterprise.id,
            link_id=link.id if link else None,
            language=language,
            reason=enterprise.decision_reason,
        )
    )
    return enterprise


def require_approved(enterprise: Enterprise) -> None:
    """Conflict unless ``enterprise`` is approved: nobody acts for one still pending or
    rejected."""
    if enterprise.status != EnterpriseStatus.APPROVED.value:
        raise Conflict(f"the enterprise is {enterprise.status}, not approved")

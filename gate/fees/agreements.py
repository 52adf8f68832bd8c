"""Monthly agreements (hợp đồng thanh toán theo tháng): made and ended early by the
administrator, listed per enterprise, and looked up when fees are fixed: an enterprise with
one in force has its fees fixed on statement (gate/domain/statements.py)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import or_, select

from gate.domain.errors import NotFound, ValidationFailed
from gate.domain.events import Actor
from gate.domain.fee_events import AgreementEnded, AgreementMade
from gate.domain.statements import (
    check_agreement,
    check_reference,
    in_force,
    last_day,
)
from gate.domain.time import as_local
from gate.store.tables import Enterprise
from gate.store.tables.statements import StatementAgreement
from gate.store.unit_of_work import UnitOfWork


async def make_agreement(
    uow: UnitOfWork,
    enterprise_id: str,
    *,
    valid_from: date,
    valid_until: date | None,
    reference: str,
    now: datetime,
    actor: Actor,
) -> StatementAgreement:
    """A new agreement of ``enterprise_id`` over the local days ``valid_from`` to
    ``valid_until`` (included; None: open-ended) under the contract ``reference``. NotFound
    for an unknown enterprise; ValidationFailed for a reference of 0 or over 60 characters
    (``statement-reference-required``), an end before the start (``statement-agreement-days``)
    or a start before today (``statement-agreement-past``, field ``valid_from``: fees already
    fixed never change);
    Conflict (``statement-agreement-overlap``) when another of the enterprise's agreements
    runs on any of these days. The enterprise's row is locked to the commit: two made at
    once are checked one after the other. Audited (``statement_agreement.made``)."""
    enterprise = await uow.session.scalar(
        select(Enterprise).where(Enterprise.id == enterprise_id).with_for_update()
    )
    if enterprise is None:
        raise NotFound("no such enterprise")
    text = check_reference(reference)
    if valid_from < as_local(now).date():
        raise ValidationFailed(
            "an agreement starts today or later: fees already fixed never change",
            why="statement-agreement-past",
            field="valid_from",
        )
    others = await agreements_of(uow, enterprise_id)
    check_agreement(
        valid_from,
        valid_until,
        [(a.valid_from, last_day(a.valid_until, a.ended_at)) for a in others],
    )
    agreement = StatementAgreement(
        enterprise_id=enterprise_id,
        valid_from=valid_from,
        valid_until=valid_until,
        reference=text,
        created_at=now,
    )
    uow.session.add(agreement)
    await uow.session.flush()
    uow.record(
        AgreementMade(
            enterprise_id=enterprise_id,
            subject_id=agreement.id,
            actor=actor,
            facts={
                "reference": text,
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat() if valid_until else None,
            },
        )
    )
    return agreement


async def end_agreement(
    uow: UnitOfWork, agreement_id: str, now: datetime, actor: Actor
) -> StatementAgreement:
    """End an agreement early at ``now``: bookings made from then on pay each fee; fees fixed
    before stay on statement. Ending one already ended, or past its last day, changes
    nothing (a retry lands once). NotFound for an unknown agreement. Audited
    (``statement_agreement.ended``)."""
    agreement = await uow.session.scalar(
        select(StatementAgreement).where(StatementAgreement.id == agreement_id).with_for_update()
    )
    if agreement is None:
        raise NotFound("no such agreement")
    over = agreement.valid_until is not None and agreement.valid_until < as_local(now).date()
    if agreement.ended_at is not None or over:
        return agreement
    agreement.ended_at = now
    await uow.session.flush()
    uow.record(
        AgreementEnded(
            enterprise_id=agreement.enterprise_id,
            subject_id=agreement.id,
            actor=actor,
            facts={"reference": agreement.reference},
        )
    )
    return agreement


async def agreements_of(uow: UnitOfWork, enterprise_id: str) -> list[StatementAgreement]:
    """The enterprise's agreements, the latest first."""
    rows = await uow.session.scalars(
        select(StatementAgreement)
        .where(StatementAgreement.enterprise_id == enterprise_id)
        .order_by(StatementAgreement.valid_from.desc())
    )
    return list(rows)


async def on_statement(
    uow: UnitOfWork, enterprise_ids: Collection[str | None], at: datetime
) -> frozenset[str]:
    """Those of ``enterprise_ids`` with an agreement in force at ``at``: one query for a
    whole batch (a rush's bookings), none for an empty one."""
    wanted = {e for e in enterprise_ids if e is not None}
    if not wanted:
        return frozenset()
    day = as_local(at).date()
    rows = await uow.session.execute(
        select(
            StatementAgreement.enterprise_id,
            StatementAgreement.valid_from,
            StatementAgreement.valid_until,
            StatementAgreement.ended_at,
        ).where(
            StatementAgreement.enterprise_id.in_(wanted),
            StatementAgreement.valid_from <= day,
            or_(StatementAgreement.valid_until.is_(None), StatementAgreement.valid_until >= day),
        )
    )
    return frozenset(
        enterprise for enterprise, first, last, ended in rows if in_force(first, last, ended, at)
    )

"""Posting and withdrawing notices, pausing and resuming a gate.

A notice is posted and withdrawn by a gate's operators (the rule book's post-notices); both
are audited in the gate's hash chain with the officer (NoticePosted, NoticeWithdrawn) and tell
the boards at once (GateNoticeChanged: the boards are rebuilt and drop or show it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select

from gate.domain.errors import NotFound, ValidationFailed
from gate.domain.events import Actor, GateNoticeChanged, NoticePosted, NoticeWithdrawn
from gate.domain.time import as_utc
from gate.store.tables import Gate, Notice
from gate.store.unit_of_work import UnitOfWork


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()


async def post_notice(
    uow: UnitOfWork,
    gate: Gate,
    text: str,
    expires_at: datetime | None,
    actor: Actor,
    now: datetime,
) -> Notice:
    """Post ``text`` on the gate's board until ``expires_at`` (None: until withdrawn);
    an expiry already past is refused (422, ``expires_at``)."""
    expiry = as_utc(expires_at) if expires_at else None
    if expiry is not None and expiry <= now:
        raise ValidationFailed("expires_at is in the past", why="in-the-past", field="expires_at")
    notice = Notice(gate_id=gate.id, text=text.strip(), posted_by=actor.id, expires_at=expiry)
    uow.session.add(notice)
    await uow.session.flush()
    uow.record(
        NoticePosted(
            notice_id=notice.id,
            gate=gate.code,
            gate_id=gate.id,
            to_status="posted",
            actor=actor,
            facts={"text": notice.text, "expires_at": _iso(expiry)},
        )
    )
    uow.record(GateNoticeChanged(gate=gate.code))
    return notice


async def withdraw_notice(
    uow: UnitOfWork, gate: Gate, notice_id: str, actor: Actor, now: datetime
) -> Notice:
    """End a notice of this gate now, before its expiry (NotFound, 404, for a notice of
    another gate or none). A notice withdrawn or expired already is left as it is: nothing
    is recorded, so a repeated withdrawal (a double click, a retried request) changes
    nothing."""
    notice = await uow.session.scalar(
        select(Notice).where(Notice.id == notice_id).with_for_update()
    )
    if notice is None or notice.gate_id != gate.id:
        raise NotFound("no such notice at this gate")
    expired = notice.expires_at is not None and as_utc(notice.expires_at) <= now
    if notice.withdrawn_at is None and not expired:
        notice.withdrawn_at = now
        await uow.session.flush()
        uow.record(
            NoticeWithdrawn(
                notice_id=notice.id,
                gate=gate.code,
                gate_id=gate.id,
                from_status="posted",
                to_status="withdrawn",
                actor=actor,
                facts={"expires_at": _iso(notice.expires_at)},
            )
        )
        uow.record(GateNoticeChanged(gate=gate.code))
    return notice


async def active_notices(uow: UnitOfWork, gate: Gate, now: datetime) -> list[Notice]:
    """The notices the gate's board shows at ``now`` (neither withdrawn nor expired), newest
    first: the console's list to withdraw from."""
    rows = await uow.session.scalars(
        select(Notice)
        .where(
            Notice.gate_id == gate.id,
            Notice.withdrawn_at.is_(None),
            or_(Notice.expires_at.is_(None), Notice.expires_at > now),
        )
        .order_by(Notice.created_at.desc(), Notice.id)
    )
    return list(rows)


async def set_paused(uow: UnitOfWork, gate: Gate, paused: bool, reason: str | None) -> Gate:
    if paused and not reason:
        raise ValidationFailed("say why the gate is paused", field="reason")
    gate.paused = paused
    gate.paused_reason = reason if paused else None
    await uow.session.flush()
    uow.record(GateNoticeChanged(gate=gate.code))
    return gate
